import { provide } from '@lit/context';
import { LitElement, css, html } from 'lit';
import { customElement, query, state } from 'lit/decorators.js';
import { LiveConnection } from '../data/live-connection.js';
import { getSession, signIn, signOut, type SessionInfo } from '../data/session-api.js';
import { storeContext, StoreController } from '../state/app-context.js';
import { BoardStore } from '../state/board-store.js';
import type { CheckinConfirm, CheckinRequest, CheckoutConfirm, CheckoutRequest, NameSubmit, SignIn, VersionRestore } from '../state/dom-events.js';
import { listVersions, restoreVersion, uploadVersion, type Upload } from '../data/versions-api.js';
import type { CheckinDialog } from './checkin-dialog.js';
import './checkin-dialog.js';
import type { VersionsPanel } from './versions-panel.js';
import './versions-panel.js';
import './activity-feed.js';
import type { CheckoutDialog } from './checkout-dialog.js';
import './checkout-dialog.js';
import './connection-status.js';
import './file-table.js';
import './locks-banner.js';
import './name-prompt.js';
import type { SignInForm } from './sign-in-form.js';
import './sign-in-form.js';
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
  /** null until the server said which mode it runs in. */
  @state() private _session: SessionInfo | null = null;
  @state() private _error = '';
  @query('checkout-dialog') private _dialog!: CheckoutDialog;
  @query('sign-in-form') private _signIn?: SignInForm;
  @query('checkin-dialog') private _checkinDialog!: CheckinDialog;
  @query('versions-panel') private _versions!: VersionsPanel;
  private _upload: Upload | null = null;

  private get _user(): string | null {
    return this._session?.user ?? null;
  }

  override connectedCallback() {
    super.connectedCallback();
    void this._start();
    this.addEventListener('name-submit', (e) => void this._setName(e.detail));
    this.addEventListener('name-change-request', () => {
      this._conn.disconnect();
      localStorage.removeItem(USER_KEY);
      this._session = { mode: 'open', user: null, role: 'user' };
    });
    this.addEventListener('sign-in', (e) => void this._signInWith(e.detail));
    this.addEventListener('sign-out-request', () => void this._signOut());
    this.addEventListener('checkout-request', (e) => this._openCheckout(e.detail));
    this.addEventListener('checkout-confirm', (e) => void this._checkout(e.detail));
    this.addEventListener('checkin-request', (e) => void this._checkin(e.detail));
    this.addEventListener('checkin-confirm', (e) => void this._confirmCheckin(e.detail));
    this.addEventListener('upload-cancel', () => this._upload?.abort());
    this.addEventListener('versions-request', (e) => void this._showVersions(e.detail.filename));
    this.addEventListener('version-restore', (e) => void this._restore(e.detail));
    this.addEventListener('notice-dismiss', (e) => this.store.dismissNotice(e.detail.id));
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this._conn.disconnect();
  }

  override render() {
    if (!this._session) return html`<header><h1>PDM Live</h1><theme-toggle></theme-toggle></header>`;
    if (!this._user) {
      const form = this._session.mode === 'users' ? html`<sign-in-form .directory=${this._session.directory ?? ''}></sign-in-form>` : html`<name-prompt></name-prompt>`;
      return html`<header><h1>PDM Live</h1><theme-toggle></theme-toggle></header>${form}`;
    }
    const s = this.store;
    const live = s.connection === 'live';
    const users = this._session.mode === 'users';
    const admin = this._session.role === 'admin';
    return html`
      <header>
        <h1>PDM Live</h1>
        <connection-status .state=${s.connection}></connection-status>
        <span class="me">Signed in as <strong>${this._user}</strong>${admin ? ' (admin)' : ''}</span>
        ${users
          ? html`<button @click=${() => this.dispatchEvent(new CustomEvent('sign-out-request', { detail: null }))}>Sign out</button>`
          : html`<button @click=${() => this.dispatchEvent(new CustomEvent('name-change-request', { detail: null }))}>Change name</button>`}
        <theme-toggle></theme-toggle>
      </header>
      <locks-banner .health=${s.health}></locks-banner>
      ${this._error ? html`<p class="error" role="alert">${this._error} <button @click=${() => (this._error = '')} aria-label="Dismiss error">✕</button></p>` : ''}
      <main>
        <file-table
          .files=${s.fileList()}
          .user=${this._user}
          .admin=${admin}
          .disabledReason=${live ? '' : 'Not connected: commands are disabled until the page is Live again.'}
          .highlighted=${(n: string) => s.isHighlighted(n)}
        ></file-table>
        <activity-feed .events=${s.activity}></activity-feed>
      </main>
      <checkout-dialog></checkout-dialog>
      <checkin-dialog></checkin-dialog>
      <versions-panel></versions-panel>
      <toast-stack .notices=${s.notices}></toast-stack>
    `;
  }

  /** Asks the server for its mode (and, in open mode, the remembered name's role). */
  private async _start() {
    try {
      this._session = await getSession(localStorage.getItem(USER_KEY));
    } catch {
      this._session = { mode: 'open', user: null, role: 'user' };
    }
    if (this._session.mode === 'open') this._session = { ...this._session, user: localStorage.getItem(USER_KEY) };
    if (this._user) this._conn.connect(this._user, () => this._sessionLost());
  }

  private async _setName({ name }: NameSubmit) {
    localStorage.setItem(USER_KEY, name);
    const info = await getSession(name).catch(() => null);
    this._session = { mode: 'open', user: name, role: info?.role ?? 'user' };
    this._conn.connect(name, () => this._sessionLost());
  }

  private async _signInWith({ user, password }: SignIn) {
    const form = this._signIn;
    if (form) form.busy = true;
    const result = await signIn(user, password);
    if (form) form.busy = false;
    if ('error' in result) {
      if (form) form.error = result.error;
      return;
    }
    this._session = { ...result, ...(this._session?.directory ? { directory: this._session.directory } : {}) };
    this._conn.connect(result.user!, () => this._sessionLost());
  }

  private async _signOut() {
    this._conn.disconnect();
    await signOut();
    this._session = await getSession(null).catch(() => ({ mode: 'users' as const, user: null, role: 'user' as const }));
  }

  // Users mode: the handshake was refused (signed out elsewhere, expired): back to the form.
  private _sessionLost() {
    if (this._session?.mode !== 'users') return;
    this._conn.disconnect();
    this._session = { mode: 'users', user: null, role: 'user', ...(this._session.directory ? { directory: this._session.directory } : {}) };
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

  /** Your own lock: the dialog (comment, optional new version); someone else's (admin): at once. */
  private async _checkin({ filename, force }: CheckinRequest) {
    if (!force) {
      this._checkinDialog.open(filename);
      return;
    }
    const ack = await this._conn.checkin(filename, true);
    this._error = ack.ok ? '' : ack.detail;
  }

  private async _confirmCheckin({ filename, comment, file }: CheckinConfirm) {
    const dialog = this._checkinDialog;
    dialog.busy = true;
    dialog.error = '';
    if (file) {
      dialog.progress = 0;
      this._upload = uploadVersion(filename, file, this._openModeUser(), (f) => (dialog.progress = f));
      const refused = await this._upload.done;
      this._upload = null;
      if (refused) {
        dialog.busy = false;
        dialog.progress = null;
        dialog.error = refused;
        return;
      }
    }
    const ack = await this._conn.checkin(filename, false, comment || undefined);
    dialog.busy = false;
    if (ack.ok) dialog.close();
    else dialog.error = ack.detail;
  }

  private async _showVersions(filename: string) {
    const panel = this._versions;
    panel.open(filename);
    panel.canRestore = this.store.files.get(filename)?.locked_by === this._user;
    try {
      panel.versions = await listVersions(filename, this._openModeUser());
    } catch (err) {
      panel.versions = [];
      panel.error = (err as Error).message;
    }
  }

  private async _restore({ filename, number }: VersionRestore) {
    const refused = await restoreVersion(filename, number, this._openModeUser());
    if (refused) this._versions.error = refused;
    else await this._showVersions(filename);
  }

  /** Open mode names the caller in a header; users mode relies on the session cookie. */
  private _openModeUser(): string | null {
    return this._session?.mode === 'open' ? this._user : null;
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
        grid-template-columns: minmax(0, 1fr) 16rem;
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
      @media (max-width: 1100px) {
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
