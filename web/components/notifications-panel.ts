import { css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { NOTICE_KINDS, NOTICE_LABELS, type NoticeChannel, type NoticeKind, type NotificationsBody } from '../../shared/notify.js';
import type { NotifyApi } from '../data/notify-api.js';
import { emit } from '../state/dom-events.js';
import { askToNotify, canAskToNotify } from '../data/browser-notices.js';
import { ModalElement } from './modal-element.js';
import { baseStyles, dialogStyles } from './theme.js';

const CHANNEL_NAMES: Record<NoticeChannel, string> = { push: 'Push', mail: 'Mail' };

/**
 * The Notifications panel (CONTRACT §19): what you are told and where (push, mail), a switch per
 * kind and channel kept on the server, and `Notify me when the tab is closed` for this browser.
 * It owns its requests' state; the page's own notices are always on.
 */
@customElement('notifications-panel')
export class NotificationsPanel extends ModalElement {
  @property({ attribute: false }) api: NotifyApi | null = null;
  @state() private _body: NotificationsBody | null = null;
  @state() private _error = '';
  @state() private _busy = false;
  @state() private _said = '';

  open() {
    this._error = '';
    this._said = '';
    this.showModal();
    void this._run(async () => (this._body = (await this.api?.get()) ?? null));
  }

  private async _run(f: () => Promise<unknown>) {
    this._busy = true;
    this._error = '';
    try {
      await f();
    } catch (err) {
      this._error = (err as Error).message;
    } finally {
      this._busy = false;
    }
  }

  private _switch(channel: NoticeChannel, kind: NoticeKind, on: boolean) {
    void this._run(async () => (this._body = (await this.api?.set(channel, kind, on)) ?? this._body));
  }

  private _subscribe(key: string) {
    void this._run(async () => {
      this._body = (await this.api?.subscribeBrowser(key)) ?? this._body;
      this._said = 'This browser will be notified with every PDM Live tab closed.';
    });
  }

  override render() {
    const b = this._body;
    const channels = b ? ([...(b.push_key ? ['push'] : []), ...(b.mail ? ['mail'] : [])] as NoticeChannel[]) : [];
    return html`<dialog aria-labelledby="t" @close=${() => emit(this, 'dialog-closed', { filenames: [] })}>
      <h2 id="t">Notifications</h2>
      ${!b && !this._error ? html`<p>Loading…</p>` : ''}
      ${b
        ? html`<p>
              This page tells you while it is open${canAskToNotify() ? html`, also as a browser notification once you <button @click=${() => void askToNotify().then(() => this.requestUpdate())}>Allow notifications</button>` : ''}.
              ${channels.length === 0 ? 'This server sends nothing beyond the page (no --push, no --smtp-url).' : ''}
            </p>
            <ul class="where">
              ${b.push_key
                ? html`<li>Push: ${b.push_subscriptions === 0 ? 'no browser of yours is subscribed yet.' : `${b.push_subscriptions} browser${b.push_subscriptions === 1 ? '' : 's'} subscribed.`}
                    <button ?disabled=${this._busy} @click=${() => this._subscribe(b.push_key!)}>Notify me when the tab is closed</button></li>`
                : ''}
              ${b.mail ? html`<li>Mail: ${b.email ? html`to <strong>${b.email}</strong>, when you have no page open (one mail a minute at most)` : 'no address is known for you: ask the administrator (pdm-live user add NAME --email ADDRESS)'}.</li>` : ''}
            </ul>
            ${channels.length > 0
              ? html`<table>
                  <thead><tr><th scope="col">What</th>${channels.map((c) => html`<th scope="col">${CHANNEL_NAMES[c]}</th>`)}</tr></thead>
                  <tbody>
                    ${NOTICE_KINDS.map(
                      (k) => html`<tr>
                        <th scope="row">${NOTICE_LABELS[k]}</th>
                        ${channels.map(
                          (c) => html`<td><input type="checkbox" aria-label="${CHANNEL_NAMES[c]}: ${NOTICE_LABELS[k]}" .checked=${b.settings[c][k]} ?disabled=${this._busy} @change=${(e: Event) => this._switch(c, k, (e.target as HTMLInputElement).checked)} /></td>`,
                        )}
                      </tr>`,
                    )}
                  </tbody>
                </table>`
              : ''}`
        : ''}
      ${this._said ? html`<p role="status">${this._said}</p>` : ''}
      ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : ''}
      <div class="buttons"><button @click=${() => this.close()}>Close</button></div>
    </dialog>`;
  }

  static override styles = [
    baseStyles,
    dialogStyles,
    css`
      dialog {
        width: min(40rem, calc(100vw - 2rem));
      }
      h2 {
        margin: 0 0 0.6rem;
      }
      .where {
        padding-left: 1.2rem;
      }
      .where button {
        margin-left: 0.4rem;
      }
      table {
        width: 100%;
        border-collapse: collapse;
      }
      th,
      td {
        text-align: left;
        padding: 0.3rem 0.4rem;
        border-bottom: 1px solid var(--border);
      }
      th[scope='row'] {
        font-weight: normal;
      }
      .buttons {
        display: flex;
        justify-content: flex-end;
        margin-top: 0.8rem;
      }
    `,
  ];
}

declare global {
  interface HTMLElementTagNameMap {
    'notifications-panel': NotificationsPanel;
  }
}
