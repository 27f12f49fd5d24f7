import { LitElement, html } from 'lit';
import { customElement, query, state } from 'lit/decorators.js';
import { boardActions } from '../data/board-actions.js';
import { LiveConnection } from '../data/live-connection.js';
import { SessionController } from '../data/session-controller.js';
import { notifyBrowser } from '../data/browser-notices.js';
import { refusalOf, refusalText, type Refusal } from '../state/refusal.js';
import { StoreController } from '../state/store-controller.js';
import type { ShowDialog } from '../state/dom-events.js';
import { BoardStore } from '../state/board-store.js';
import { sharePathOf } from '../../shared/share-path.js';
import { copyText } from './clipboard.js';
import type { CheckinDialog } from './checkin-dialog.js';
import './checkin-dialog.js';
import type { ForceDialog } from './force-dialog.js';
import './force-dialog.js';
import type { StateDialog } from './state-dialog.js';
import './state-dialog.js';
import { startedRevisions, stateText } from './release-state.js';
import type { HistoryPanel } from './history-panel.js';
import './history-panel.js';
import type { NameDialog } from './name-dialog.js';
import './name-dialog.js';
import type { VersionsPanel } from './versions-panel.js';
import './versions-panel.js';
import './activity-feed.js';
import type { CheckoutDialog } from './checkout-dialog.js';
import './checkout-dialog.js';
import './connection-status.js';
import type { FileTable } from './file-table.js';
import './file-table.js';
import './locks-banner.js';
import './name-prompt.js';
import './sign-in-form.js';
import './theme-toggle.js';
import './toast-stack.js';
import type { NotificationsPanel } from './notifications-panel.js';
import './notifications-panel.js';
import { notifyApi } from '../data/notify-api.js';
import { dueReminders } from '../state/hold-reminders.js';
import { pdmAppStyles } from './pdm-app.styles.js';

/** How often the page's times move on (a minute is their finest step). */
const CLOCK_MS = 15_000;

/**
 * The root: owns the store, the one connection and the session, and hands state down; leaves
 * send intent up as DOM events, dialogs get the actions they run and keep their own request state.
 */
@customElement('pdm-app')
export class PdmApp extends LitElement {
  private readonly _session = new SessionController(this, (user) => this._connectAs(user));
  readonly store: BoardStore = new BoardStore({ onGap: () => this._conn.sync(), me: () => this._session.user, onPersonal: (text) => notifyBrowser(text) });
  private readonly _conn = new LiveConnection(this.store);
  private readonly _actions = boardActions(this._conn, () => (this._session.session?.mode === 'open' ? this._session.user : null));
  private readonly _notify = notifyApi(() => (this._session.session?.mode === 'open' ? this._session.user : null));
  /** `--remind-after` in seconds, once known; and the day each of your holds was last reminded here. */
  private _remindAfterS: number | null = null;
  private _loadingRemindAfter = false;
  private readonly _reminded = new Map<string, string>();
  /** `/?file=NAME` (a notice's link): the file to show once the board is loaded. */
  private _linked: string | null = new URLSearchParams(location.search).get('file');
  private readonly _signIn = (user: string, password: string) => this._session.signIn(user, password);
  private readonly _watch = new StoreController(this, () => this.store);
  @state() private _refusal: Refusal | null = null;
  /** Counts a refusal's wait down, while one is shown. */
  private _countdown: ReturnType<typeof setInterval> | undefined;
  /** The one clock of the page: "held for", "modified", "last seen" are told against it. */
  @state() private _now = Date.now();
  private _tick: ReturnType<typeof setInterval> | undefined;
  @query('checkout-dialog') private _checkoutDialog!: CheckoutDialog;
  @query('checkin-dialog') private _checkinDialog!: CheckinDialog;
  @query('versions-panel') private _versions!: VersionsPanel;
  @query('force-dialog') private _forceDialog!: ForceDialog;
  @query('state-dialog') private _stateDialog!: StateDialog;
  @query('history-panel') private _history!: HistoryPanel;
  @query('name-dialog') private _nameDialog!: NameDialog;
  @query('file-table') private _table!: FileTable | null;
  @query('notifications-panel') private _notifications!: NotificationsPanel;

  override connectedCallback() {
    super.connectedCallback();
    this._tick = setInterval(() => {
      this._now = Date.now();
      this._remind();
    }, CLOCK_MS);
    this.addEventListener('name-submit', (e) => void this._session.setName(e.detail.name));
    this.addEventListener('sign-out-request', () => void this._session.signOut());
    this.addEventListener('show-dialog', (e) => this._showDialog(e.detail));
    this.addEventListener('copy-path-request', (e) => void this._copyPath(e.detail.filename));
    this.addEventListener('notice-dismiss', (e) => this.store.dismissNotice(e.detail.id));
    this.addEventListener('dialog-closed', (e) => void this._refocus(e.detail.filenames[0]));
    this.addEventListener('leave-queue-request', (e) => void this._conn.wait(e.detail.filename, false).then((ack) => this._setError(ack.ok ? '' : ack.detail)));
    this.addEventListener('nudge-request', (e) => {
      const file = e.detail.filename;
      void this._conn.nudge(file).then((ack) => {
        if (!ack.ok) {
          this._refuse(refusalOf(ack, file, this.store.locks[file], Date.now()));
          return;
        }
        this._setError('');
        const holder = this.store.locks[file]?.user ?? 'The holder';
        this.store.inform(ack.holder_online ? `Asked ${holder} to release ${file}.` : `${holder} has no page open: they will see your request when they next open PDM Live.`);
      });
    });
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    clearInterval(this._tick);
    clearInterval(this._countdown);
    this._conn.disconnect();
  }

  override render() {
    const session = this._session.session;
    const user = this._session.user;
    if (!session) return html`<header><h1>PDM Live</h1><theme-toggle></theme-toggle></header>`;
    if (!user) {
      const form = session.mode === 'users' ? html`<sign-in-form .directory=${session.directory ?? ''} .signIn=${this._signIn}></sign-in-form>` : html`<name-prompt></name-prompt>`;
      return html`<header><h1>PDM Live</h1><theme-toggle></theme-toggle></header><main class="first">${form}</main>`;
    }
    const s = this.store;
    const live = s.connection === 'live';
    const admin = session.role === 'admin';
    return html`
      <header>
        <button class="skip" @click=${() => void this._table?.focusStart()}>Skip to files</button>
        <h1>PDM Live</h1>
        <connection-status .state=${s.connection} ?degraded=${s.health?.locks === 'unavailable'}></connection-status>
        <span class="me"><span class="wide-only">Signed in as </span><strong>${user}</strong>${admin ? ' (admin)' : ''}</span>
        ${session.mode === 'users'
          ? html`<button @click=${() => void this._session.signOut()}>Sign out</button>`
          : html`<button @click=${() => this._showDialog({ dialog: 'name' })}>Change name</button>`}
        <button @click=${() => this._showDialog({ dialog: 'notifications' })}>Notifications</button>
        <theme-toggle></theme-toggle>
      </header>
      <locks-banner .health=${s.health} ?offline=${!live}></locks-banner>
      <toast-stack .notices=${s.notices}></toast-stack>
      <div class="sr" aria-live="polite">${s.announcement}</div>
      ${this._shownError(s)}
      <main>
        <file-table
          .files=${s.fileList()}
          ?loaded=${s.revision >= 0}
          .user=${user}
          .admin=${admin}
          .approver=${session.approver === true}
          .disabledReason=${!live ? 'Not connected: commands are disabled until the page is Live again.' : s.health?.locks === 'unavailable' ? 'locks.json is unavailable: check-outs and check-ins wait until it is fixed.' : ''}
          ?offline=${!live}
          .presence=${s.presence}
          .now=${this._now}
          .highlighted=${(n: string) => s.isHighlighted(n)}
        ></file-table>
        <activity-feed .events=${s.activity} .actions=${this._actions} .now=${this._now}></activity-feed>
      </main>
      <checkout-dialog .actions=${this._actions} .locks=${s.locks} .board=${s.version}></checkout-dialog>
      <checkin-dialog .actions=${this._actions} .locks=${s.locks} .board=${s.version}></checkin-dialog>
      <versions-panel .actions=${this._actions}></versions-panel>
      <force-dialog .actions=${this._actions} .locks=${s.locks} .board=${s.version}></force-dialog>
      <state-dialog .actions=${this._actions} ?signs=${session.mode === 'users'} .locks=${s.locks} .board=${s.version}></state-dialog>
      <history-panel .actions=${this._actions}></history-panel>
      <notifications-panel .api=${this._notify}></notifications-panel>
      ${session.mode === 'open' ? html`<name-dialog .current=${user} .held=${s.fileList().filter((f) => f.locked_by === user).length}></name-dialog>` : ''}
    `;
  }

  /** Every dialog is opened here, with what it needs from the board. */
  private _showDialog(d: ShowDialog) {
    switch (d.dialog) {
      case 'checkout':
        this._checkoutDialog.open(d.filenames, d.wait ?? false, startedRevisions(d.filenames.map((n) => this.store.files.get(n))));
        break;
      case 'checkin':
        this._checkinDialog.open(d.filenames);
        break;
      case 'force':
        this._forceDialog.open(d.filename, this.store.locks[d.filename] ?? null);
        break;
      case 'versions':
        this._versions.open(d.filename, this.store.files.get(d.filename)?.locked_by === this._session.user);
        break;
      case 'history':
        this._history.open(d.filename);
        break;
      case 'state': {
        const f = this.store.files.get(d.filename);
        if (f) this._stateDialog.open(d.filename, d.to, stateText(f));
        break;
      }
      case 'name':
        this._nameDialog.open();
        break;
      case 'notifications':
        this._notifications.open();
    }
  }

  private _connectAs(user: string | null) {
    if (user) {
      this._conn.connect(user, () => this._session.lost());
      this._loadRemindAfter();
    } else this._conn.disconnect();
  }

  /** `--remind-after`, from the server (tried again at the next tick when the request failed). */
  private _loadRemindAfter() {
    if (this._remindAfterS !== null || this._loadingRemindAfter) return;
    this._loadingRemindAfter = true;
    void this._notify
      .get()
      .then((b) => {
        this._remindAfterS = b.remind_after_s;
        this._remind();
      }, () => undefined)
      .finally(() => (this._loadingRemindAfter = false));
  }

  /**
   * A notice's link (`/?file=NAME`): that row, scrolled to and focused. The list draws its rows
   * after the board arrives (a virtualized list, laid out a frame later), so it is tried until
   * the row has focus, for a few seconds at most.
   */
  private async _showLinked(file: string) {
    for (let tries = 0; tries < 30; tries++) {
      await this.updateComplete;
      await this._table?.updateComplete;
      await this._table?.focusRow(file);
      if (this._table?.shadowRoot?.activeElement?.closest(`[data-name="${CSS.escape(file)}"]`)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Your long or overdue holds, once a day in this browser. */
  private _remind() {
    const me = this._session.user;
    if (me && this._remindAfterS === null) this._loadRemindAfter();
    if (!me || this._remindAfterS === null || this.store.revision < 0) return;
    for (const text of dueReminders(this.store.files.values(), me, Date.now(), this._remindAfterS, this._reminded)) {
      this.store.inform(text);
      notifyBrowser(text);
    }
  }

  /** The board appeared (a name given, a sign-in): focus goes to it, not back to the page. */
  override updated(): void {
    if (this._linked && this.store.revision >= 0 && this._table) {
      const file = this._linked;
      this._linked = null;
      history.replaceState(null, '', location.pathname);
      void this._showLinked(file);
      this._remind();
      return;
    }
    const user = this._session.user;
    if (user && user !== this._shownFor) {
      this._shownFor = user;
      void this.updateComplete.then(() => setTimeout(() => void (this._lostFocus() && this._table?.focusStart()), 0));
    }
  }

  private _shownFor: string | null = null;

  /**
   * After a dialog closed: the browser gives focus back to the control that opened it, but a row
   * whose state changed was drawn anew (Check out became Check in), so focus would fall to the
   * page: it goes to that file's row instead.
   */
  private async _refocus(filename: string | undefined) {
    await new Promise((r) => setTimeout(r, 0));
    if (!filename || !this._lostFocus()) return;
    await this._table?.focusRow(filename);
  }

  /** Nothing of the page has focus (it fell to the body). */
  private _lostFocus(): boolean {
    return document.activeElement === document.body || document.activeElement === null || (document.activeElement === this && this.shadowRoot?.activeElement == null);
  }

  /** The file's path as people open it on the share (`--share-path`), to the clipboard. */
  private async _copyPath(filename: string) {
    const path = sharePathOf(this._session.session?.share_path ?? '', filename);
    this.store.inform((await copyText(path)) ? `Copied ${path}` : `Copy this path: ${path}`);
  }

  private _setError(message: string) {
    this._refuse(message ? { text: message } : null);
  }

  private _refuse(r: Refusal | null) {
    this._refusal = r;
    clearInterval(this._countdown);
    this._countdown = r?.until === undefined ? undefined : setInterval(() => (this._now = Date.now()), 1000);
  }

  private _shownError(s: BoardStore) {
    const r = this._refusal;
    const text = refusalText(r, r?.file === undefined ? undefined : s.locks[r.file], Math.max(this._now, Date.now()));
    if (r && text === null) queueMicrotask(() => this._refusal === r && this._refuse(null));
    return text ? html`<p class="error" role="alert">${text} <button @click=${() => this._setError('')} aria-label="Dismiss error">✕</button></p>` : '';
  }

  static override styles = pdmAppStyles;
}

declare global {
  interface HTMLElementTagNameMap {
    'pdm-app': PdmApp;
  }
}
