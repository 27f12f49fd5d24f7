import { provide } from '@lit/context';
import { LitElement, css, html } from 'lit';
import { customElement, query, state } from 'lit/decorators.js';
import { LiveConnection } from '../data/live-connection.js';
import { storeContext, StoreController } from '../state/app-context.js';
import { BoardStore } from '../state/board-store.js';
import type { CheckinRequest, CheckoutConfirm, CheckoutRequest, NameSubmit } from '../state/dom-events.js';
import './activity-feed.js';
import type { CheckoutDialog } from './checkout-dialog.js';
import './checkout-dialog.js';
import './connection-status.js';
import './file-table.js';
import './locks-banner.js';
import './name-prompt.js';
import { baseStyles } from './theme.js';
import './theme-toggle.js';
import './toast-stack.js';

const USER_KEY = 'pdm-user';

/** The root: owns the store and the one connection; leaves get state down and send intent up. */
@customElement('pdm-app')
export class PdmApp extends LitElement {
  @provide({ context: storeContext }) store: BoardStore = new BoardStore({ onGap: () => this._conn.sync() });
  private _conn = new LiveConnection(this.store);
  private _watch = new StoreController(this, () => this.store);
  @state() private _user: string | null = localStorage.getItem(USER_KEY);
  @state() private _error = '';
  @query('checkout-dialog') private _dialog!: CheckoutDialog;

  override connectedCallback() {
    super.connectedCallback();
    if (this._user) this._conn.connect(this._user);
    this.addEventListener('name-submit', (e) => this._setName(e.detail));
    this.addEventListener('name-change-request', () => {
      this._conn.disconnect();
      this._user = null;
    });
    this.addEventListener('checkout-request', (e) => this._openCheckout(e.detail));
    this.addEventListener('checkout-confirm', (e) => void this._checkout(e.detail));
    this.addEventListener('checkin-request', (e) => void this._checkin(e.detail));
    this.addEventListener('notice-dismiss', (e) => this.store.dismissNotice(e.detail.id));
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this._conn.disconnect();
  }

  override render() {
    if (!this._user) return html`<header><h1>PDM Live</h1><theme-toggle></theme-toggle></header><name-prompt></name-prompt>`;
    const s = this.store;
    const live = s.connection === 'live';
    return html`
      <header>
        <h1>PDM Live</h1>
        <connection-status .state=${s.connection}></connection-status>
        <span class="me">Signed in as <strong>${this._user}</strong></span>
        <button @click=${() => this.dispatchEvent(new CustomEvent('name-change-request', { detail: null }))}>Change name</button>
        <theme-toggle></theme-toggle>
      </header>
      <locks-banner .health=${s.health}></locks-banner>
      ${this._error ? html`<p class="error" role="alert">${this._error} <button @click=${() => (this._error = '')} aria-label="Dismiss error">✕</button></p>` : ''}
      <main>
        <file-table
          .files=${s.fileList()}
          .user=${this._user}
          .disabledReason=${live ? '' : 'Not connected: commands are disabled until the page is Live again.'}
          .highlighted=${(n: string) => s.isHighlighted(n)}
        ></file-table>
        <activity-feed .events=${s.activity}></activity-feed>
      </main>
      <checkout-dialog></checkout-dialog>
      <toast-stack .notices=${s.notices}></toast-stack>
    `;
  }

  private _setName({ name }: NameSubmit) {
    localStorage.setItem(USER_KEY, name);
    this._user = name;
    this._conn.connect(name);
  }

  private _openCheckout({ filename }: CheckoutRequest) {
    this._dialog.open(filename);
  }

  private async _checkout({ filename, message }: CheckoutConfirm) {
    this._dialog.busy = true;
    const ack = await this._conn.checkout(filename, message || undefined);
    this._dialog.busy = false;
    if (ack.ok) this._dialog.close();
    else this._dialog.error = ack.code === 'ALREADY_LOCKED' && ack.lock ? `Someone was faster: ${filename} is checked out by ${ack.lock.user}${ack.lock.message ? ` ("${ack.lock.message}")` : ''}.` : ack.detail;
  }

  private async _checkin({ filename, force }: CheckinRequest) {
    const ack = await this._conn.checkin(filename, force);
    this._error = ack.ok ? '' : ack.detail;
  }

  static override styles = [
    baseStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        height: 100vh;
        background: var(--bg);
      }
      header {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.75rem;
        padding: 0.6rem 1rem;
        border-bottom: 1px solid var(--border);
        background: var(--panel-bg);
      }
      h1 {
        font-size: 1.2rem;
        margin: 0 auto 0 0;
      }
      .me {
        color: var(--muted);
      }
      main {
        flex: 1;
        min-height: 0;
        display: grid;
        grid-template-columns: 1fr 18rem;
        gap: 1rem;
        padding: 1rem;
      }
      activity-feed {
        overflow: auto;
        min-height: 0;
      }
      .error {
        margin: 0;
        padding: 0.5rem 1rem;
        color: var(--danger);
      }
      @media (max-width: 1000px) {
        main {
          grid-template-columns: 1fr;
          grid-template-rows: minmax(24rem, 1fr) auto;
          overflow: auto;
        }
        activity-feed {
          max-height: 16rem;
        }
      }
    `,
  ];
}

declare global {
  interface HTMLElementTagNameMap {
    'pdm-app': PdmApp;
  }
}
