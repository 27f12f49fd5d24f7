import '@lit-labs/virtualizer';
import { LitElement, html } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import type { LitVirtualizer } from '@lit-labs/virtualizer';
import { RowFocus } from './row-focus.js';
import { compareNames } from '../../shared/file-names.js';
import { localTime } from '../../shared/durations.js';
import { containsText } from '../../shared/text-match.js';
import { RELEASE_STATES, type FileStatus, type PresenceEntry, type ReleaseState } from '../../shared/protocol.js';
import { stateBadge, stateCounts, stateSteps } from './release-state.js';
import { emit } from '../state/dom-events.js';
import { contentUrl } from '../data/versions-api.js';
import { duration, formatSize, relativeTime } from './format.js';
import { fileTableStyles } from './file-table.styles.js';

type SortKey = 'name' | 'size' | 'modified' | 'status' | 'message' | 'held';
type StatusFilter = 'all' | 'mine' | 'checked_out' | 'available' | 'overdue' | 'waiting' | 'long';

/** A lock held longer than this is worth a look (the summary line counts them). */
const LONG_MS = 7 * 86_400_000;
const heldLong = (f: FileStatus, now: number) => f.lock !== null && now - Date.parse(f.lock.timestamp) > LONG_MS;

/** Whether a lock is past the `until` its holder gave. */
export const isOverdue = (f: FileStatus, now = Date.now()) => f.lock?.until !== undefined && Date.parse(f.lock.until) < now;

const COLUMNS: Array<[SortKey, string]> = [
  ['name', 'Name'],
  ['size', 'Size'],
  ['modified', 'Modified'],
  ['status', 'Status'],
  ['message', 'Message'],
  ['held', 'Held for'],
];
/** The columns with a header of their own (size and modified sit under the name). */
const HEADED = COLUMNS.filter(([key]) => key !== 'size' && key !== 'modified');

const folderOf = (name: string) => (name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : '');
const baseOf = (name: string) => name.slice(name.lastIndexOf('/') + 1);

/** Sort value of a row for a column; strings compare by code point, numbers numerically. */
function sortValue(f: FileStatus, key: SortKey): string | number {
  switch (key) {
    case 'name':
      return f.name;
    case 'size':
      return f.size_bytes ?? -1;
    case 'modified':
      return f.modified ? Date.parse(f.modified) : 0;
    case 'status':
      return f.locked_by ?? '';
    case 'message':
      return f.lock?.message ?? '';
    case 'held':
      return f.lock?.timestamp ? -Date.parse(f.lock.timestamp) : -Infinity;
  }
}

// <lit-virtualizer>'s callbacks take items of any type (its T is not inferred from `.items`). A new
// renderItem each render is what makes it render its rows again when the table's inputs change.
// Both take a missing item: after the list shrinks (Filter typed while scrolled down) the
// virtualizer renders its old range over the new items once before it hears the new range, and
// a key function that threw there left the list frozen and stale (@lit-labs/virtualizer 2.1).
const keyOfRow = (f: unknown, i: number) => (f as FileStatus | undefined)?.name ?? `\u0000gap-${i}`;

/** Every tracked file: sortable, filterable, virtualized so 10,000 rows stay smooth. */
@customElement('file-table')
export class FileTable extends LitElement {
  /** All files, in name order. */
  @property({ attribute: false }) files: FileStatus[] = [];
  /** The name this browser acts as. */
  @property() user = '';
  /** Whether the user may force a release. */
  @property({ type: Boolean }) admin = false;
  /** Whether the user may release and retire files. */
  @property({ type: Boolean }) approver = false;
  /** Why commands are disabled (not connected, locks.json unavailable), or '' when they are allowed. */
  @property() disabledReason = '';
  /** Not connected: downloads, versions and history cannot be had either. */
  @property({ type: Boolean }) offline = false;
  /** Who is online, and when others were last seen. */
  @property({ attribute: false }) presence: ReadonlyMap<string, PresenceEntry> = new Map();
  /** The time the relative times are told against (the page's one clock, so they stay current). */
  @property({ type: Number }) now = Date.now();
  /** Rows to flash briefly because they just changed. */
  @property({ attribute: false }) highlighted: (name: string) => boolean = () => false;

  @state() private _sort: SortKey = 'name';
  /** The first snapshot has come: before it, an empty list is not an empty vault. */
  @property({ type: Boolean }) loaded = false;
  @state() private _desc = false;
  @state() private _text = '';
  @state() private _status: StatusFilter = 'all';
  @state() private _folder = '';
  /** The `State` filter: one release state, or '' for any. */
  @state() private _release: ReleaseState | '' = '';
  /** Rows ticked for `Check out selected` / `Check in selected`, by name. */
  @state() private _selected: ReadonlySet<string> = new Set();

  private _memo: { files: FileStatus[]; key: string; rows: FileStatus[] } | null = null;
  @query('lit-virtualizer') private _list!: LitVirtualizer | null;
  private readonly _focus = new RowFocus(this, () => this.rows().map((f) => f.name), () => this._list);

  /**
   * Where the skip button and a first sign-in put focus: the active row (waiting up to 2 s for
   * the first snapshot to bring rows), else the filter.
   */
  async focusStart(): Promise<void> {
    for (let waited = 0; this.rows().length === 0 && waited < 2000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    const name = this._focus.current();
    if (name) await this._focus.focus(name);
    else this.shadowRoot?.querySelector<HTMLInputElement>('input[type=search]')?.focus();
  }

  /** Moves focus to a file's row (after a dialog about it closed: focus is never lost). */
  focusRow(name: string): Promise<void> {
    return this._focus.focus(name);
  }

  /** Filtered and sorted rows, recomputed only when the inputs change. */
  rows(): FileStatus[] {
    const key = [this._sort, this._desc, this._text, this._status, this._folder, this._release, this.user, this._status === 'long' ? this.now : 0].join('\u0000');
    if (this._memo && this._memo.files === this.files && this._memo.key === key) return this._memo.rows;
    const text = this._text.trim();
    let rows = this.files.filter((f) => {
      if (this._folder && folderOf(f.name) !== this._folder) return false;
      if (this._release && f.state !== this._release) return false;
      if (this._status === 'mine' && f.locked_by !== this.user) return false;
      if (this._status === 'checked_out' && f.status !== 'checked_out') return false;
      if (this._status === 'available' && f.status !== 'available') return false;
      if (this._status === 'overdue' && !isOverdue(f)) return false;
      if (this._status === 'waiting' && !f.queue.some((w) => w.user === this.user)) return false;
      if (this._status === 'long' && !heldLong(f, this.now)) return false;
      if (text && !containsText(f.name, text) && !containsText(f.lock?.message, text) && !containsText(f.locked_by, text)) return false;
      return true;
    });
    if (this._sort !== 'name' || this._desc) {
      const k = this._sort;
      rows = [...rows].sort((a, b) => {
        const va = sortValue(a, k);
        const vb = sortValue(b, k);
        const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : compareNames(String(va), String(vb));
        return (this._desc ? -c : c) || compareNames(a.name, b.name);
      });
    }
    this._memo = { files: this.files, key, rows };
    return rows;
  }

  override render() {
    const rows = this.rows();
    const folders = [...new Set(this.files.map((f) => folderOf(f.name)))].filter(Boolean).sort(compareNames);
    return html`
      <div class="filters">
        <label>Filter <input type="search" placeholder="Name, holder or message" .value=${this._text} @input=${(e: Event) => (this._text = (e.target as HTMLInputElement).value)} /></label>
        <label
          >Show
          <select .value=${this._status} @change=${(e: Event) => (this._status = (e.target as HTMLSelectElement).value as StatusFilter)}>
            <option value="all">All files</option>
            <option value="mine">Mine</option>
            <option value="checked_out">Checked out</option>
            <option value="available">Available</option>
            <option value="overdue">Overdue</option>
            <option value="waiting">Waiting for</option>
            <option value="long">Held over 7 days</option>
          </select></label
        >
        <label
          >Folder
          <select .value=${this._folder} @change=${(e: Event) => (this._folder = (e.target as HTMLSelectElement).value)}>
            <option value="">All folders</option>
            ${folders.map((f) => html`<option value=${f}>${f}</option>`)}
          </select></label
        >
        <label
          >State
          <select .value=${this._release} @change=${(e: Event) => (this._release = (e.target as HTMLSelectElement).value as ReleaseState | '')}>
            <option value="">All states</option>
            ${RELEASE_STATES.map((r) => html`<option value=${r}>${r[0]!.toUpperCase() + r.slice(1)}</option>`)}
          </select></label
        >
        <label
          >Sort by
          <select aria-label="Sort by" .value=${`${this._sort}:${this._desc ? 'desc' : 'asc'}`} @change=${(e: Event) => this._sortFrom((e.target as HTMLSelectElement).value)}>
            ${COLUMNS.map(
              ([key, label]) =>
                html`<option value="${key}:asc">${label}, ascending</option>
                  <option value="${key}:desc">${label}, descending</option>`,
            )}
          </select></label
        >
      </div>
      <div class="tally">
        ${this._summary()}
        <span class="count" aria-live="polite">${this.loaded ? `${rows.length} of ${this.files.length} files` : ''}</span>
      </div>
      ${this._bulk()}
      <div role="grid" aria-label="Files" aria-rowcount=${rows.length + 1}>
        <div role="rowgroup" class="head">
          <div role="row" class="row" aria-rowindex="1">
            ${HEADED.map(
              ([key, label]) => html`<div role="columnheader" class="c-${key}" aria-sort=${this._sort === key ? (this._desc ? 'descending' : 'ascending') : 'none'}>
                <button class="sort" @click=${() => this._sortBy(key)} title="Sort by ${label}">${label}${this._sort === key ? (this._desc ? ' ▼' : ' ▲') : ''}</button>
              </div>`,
            )}
            <div role="columnheader" class="c-actions">Actions</div>
          </div>
        </div>
        <lit-virtualizer role="rowgroup" scroller class="body" .items=${rows} .keyFunction=${keyOfRow} .renderItem=${(f: unknown, i: number) => (f === undefined ? html`` : this._row(f as FileStatus, i))}></lit-virtualizer>
        ${rows.length === 0 && this.loaded ? html`<p class="empty">${this.files.length === 0 ? 'No tracked files in the vault yet.' : 'No file matches the filter.'}</p>` : ''}
      </div>
    `;
  }

  private _row(f: FileStatus, index: number) {
    // Only the active row's controls are in the tab order (RowFocus).
    const t = this._focus.tabIndex(f.name);
    const mine = f.locked_by !== null && f.locked_by === this.user;
    const other = f.locked_by !== null && !mine;
    const status = f.locked_by ? `Checked out by ${f.locked_by}` : 'Available';
    const disabled = this.disabledReason !== '';
    const title = disabled ? this.disabledReason : '';
    // One main action in its column; what else the row offers sits on the line under the name.
    let action;
    let more = html``;
    if (mine) {
      action = html`<button tabindex=${t} class="primary" ?disabled=${disabled} title=${title} @click=${() => emit(this, 'show-dialog', { dialog: 'checkin', filenames: [f.name] })}>Check in</button>`;
    } else if (other) {
      // Held by someone else: nothing to check out; wait for it, or ask for it.
      const queued = f.queue.some((w) => w.user === this.user);
      action = html`<button tabindex=${t} ?disabled=${disabled} title=${title} @click=${() => queued ? emit(this, 'leave-queue-request', { filename: f.name }) : emit(this, 'show-dialog', { dialog: 'checkout', filenames: [f.name], wait: true })} aria-label="${queued ? 'Leave queue' : 'Check out when free'}: ${f.name}">${queued ? 'Leave queue' : 'Check out when free'}</button>`;
      more = html`<button tabindex=${t} class="link" ?disabled=${disabled} title=${title} @click=${() => emit(this, 'nudge-request', { filename: f.name })} aria-label="Ask to release: ${f.name}">Ask to release</button
        >${this.admin ? html`<button tabindex=${t} class="link danger" ?disabled=${disabled} title=${title} @click=${() => emit(this, 'show-dialog', { dialog: 'force', filename: f.name })} aria-label="Force release: ${f.name}">Force release</button>` : ''}`;
    } else {
      action = html`<button tabindex=${t} ?disabled=${disabled} title=${title} @click=${() => emit(this, 'show-dialog', { dialog: 'checkout', filenames: [f.name] })}>Check out</button>`;
    }
    const steps = stateSteps(f, this.approver).map((step) => html`<button tabindex=${t} class="link" ?disabled=${disabled} title=${title} @click=${() => emit(this, 'show-dialog', { dialog: 'state', filename: f.name, to: step.to })} aria-label="${step.label}: ${f.name}">${step.label}</button>`);
    const holder = f.locked_by ? this.presence.get(f.locked_by) : undefined;
    const overdue = isOverdue(f);
    const url = contentUrl(f.name);
    const folder = folderOf(f.name) ? `${folderOf(f.name)}/` : '';
    const base = baseOf(f.name);
    return html`<div
      role="row"
      aria-rowindex=${index + 2}
      tabindex=${t}
      aria-label=${f.name}
      @keydown=${(e: KeyboardEvent) => this._focus.keydown(e, index)}
      @focusin=${() => this._focus.focused(f.name)}
      class="row ${f.locked_by ? 'out' : ''} ${mine ? 'mine' : ''} ${this.highlighted(f.name) ? 'flash' : ''}"
      data-name=${f.name}
    >
      <div role="gridcell" class="c-name">
        <div class="name-line">
          <input tabindex=${t} type="checkbox" class="select" aria-label="Select ${f.name}" .checked=${this._selected.has(f.name)} @change=${(e: Event) => this._select(f.name, (e.target as HTMLInputElement).checked)} />
          <span class="name" title=${f.name}><span class="folder">${folder}</span><span class="base">${base}</span></span>
        </div>
        <div class="meta">
          <span>${formatSize(f.size_bytes)}</span>
          <time datetime=${f.modified ?? ''} title=${f.modified ? `Modified ${new Date(f.modified).toLocaleString()}` : ''}>${f.modified ? `modified ${relativeTime(f.modified, this.now)}` : ''}</time>
          ${more}${steps}${this.offline ? html`<span class="off" aria-disabled="true" title=${this.disabledReason}>Download</span>` : html`<a tabindex=${t} href=${url} download aria-label="Download ${f.name}">Download</a>`}
          <button tabindex=${t} class="link" ?disabled=${this.offline} title=${this.offline ? this.disabledReason : ''} @click=${() => emit(this, 'show-dialog', { dialog: 'versions', filename: f.name })} aria-label="Versions of ${f.name}">Versions</button>
          <button tabindex=${t} class="link" ?disabled=${this.offline} title=${this.offline ? this.disabledReason : ''} @click=${() => emit(this, 'show-dialog', { dialog: 'history', filename: f.name })} aria-label="History of ${f.name}">History</button>
          <button tabindex=${t} class="link" @click=${() => emit(this, 'copy-path-request', { filename: f.name })} aria-label="Copy path of ${f.name}" title="Copy the path to open it on the share">Copy path</button>
        </div>
      </div>
      <div role="gridcell" class="c-status">${stateBadge(f)} <span class="badge">${status}</span>${holder ? html` <span class="presence ${holder.online ? 'online' : ''}" title=${!holder.online && holder.last_seen ? `Last seen ${new Date(holder.last_seen).toLocaleString()}` : ''}>${holder.online ? 'online' : `last seen ${relativeTime(holder.last_seen, this.now)}`}</span>` : ''}${f.lock?.until ? html` <span class="until ${overdue ? 'overdue' : ''}" title="Meant to be done by ${new Date(f.lock.until).toLocaleString()}">${overdue ? 'Overdue, ' : ''}until ${localTime(f.lock.until, this.now)}</span>` : ''}${f.queue.length > 0 ? html` <span class="queue">Queue: ${f.queue.map((w) => w.user).join(', ')}</span>` : ''}${f.protected ? html` <span class="ro" role="img" aria-label="Read-only on the share" title="Read-only on the share until it is checked out">🔒</span>` : ''}${f.warning === 'edited_unlocked' ? html` <span class="warn" title="The content changed on disk while nobody held the lock; cleared by the next check-out and check-in">Edited while not checked out</span>` : ''}</div>
      <div role="gridcell" class="c-message" title=${f.lock?.message ?? ''}>${f.lock?.message ?? ''}</div>
      <div role="gridcell" class="c-held">${f.lock ? html`<span class="held-label">Held for </span><time datetime=${f.lock.timestamp} title="Checked out ${new Date(f.lock.timestamp).toLocaleString()}">${duration(f.lock.timestamp, this.now)}</time>` : ''}</div>
      <div role="gridcell" class="c-actions">${action}</div>
    </div>`;
  }

  private _select(name: string, on: boolean) {
    const next = new Set(this._selected);
    if (on) next.add(name);
    else next.delete(name);
    this._selected = next;
  }

  /** `14 checked out · 3 by you · 2 held over 7 days`: each part filters the list to those files. */
  private _summary() {
    const out = this.files.filter((f) => f.locked_by !== null);
    const parts: Array<[StatusFilter, number, string]> = [
      ['checked_out', out.length, 'checked out'],
      ['mine', out.filter((f) => f.locked_by === this.user).length, 'by you'],
      ['long', out.filter((f) => heldLong(f, this.now)).length, 'held over 7 days'],
      ['overdue', out.filter((f) => isOverdue(f, this.now)).length, 'overdue'],
      ['waiting', this.files.filter((f) => f.queue.some((w) => w.user === this.user)).length, 'you wait for'],
    ];
    const shown = parts.filter(([key, n]) => n > 0 || key === 'checked_out');
    const sep = html`<span aria-hidden="true"> · </span>`;
    return html`<p class="summary" aria-label="Summary">
      ${shown.map(
        ([key, n, label], i) =>
          html`${i > 0 ? sep : ''}<button class="link" aria-pressed=${this._status === key ? 'true' : 'false'} title="Show only these" @click=${() => (this._status = this._status === key ? 'all' : key)}>${n} ${label}</button>`,
      )}${stateCounts(this.files).map(
        ([r, n, label]) => html`${sep}<button class="link" aria-pressed=${this._release === r ? 'true' : 'false'} title="Show only these" @click=${() => (this._release = this._release === r ? '' : r)}>${n} ${label}</button>`,
      )}
    </p>`;
  }

  /** What the selection and your locks allow, above the table. */
  private _bulk() {
    const chosen = this.files.filter((f) => this._selected.has(f.name));
    const free = chosen.filter((f) => f.status === 'available').map((f) => f.name);
    const mineChosen = chosen.filter((f) => f.locked_by === this.user).map((f) => f.name);
    const allMine = this.files.filter((f) => f.locked_by === this.user).map((f) => f.name);
    const off = this.disabledReason !== '';
    // The bar shows what can be done now: with rows ticked, their actions; with locks, all of yours.
    if (chosen.length === 0 && allMine.length === 0) return '';
    return html`<div class="bulk" role="group" aria-label="Several files">
      ${chosen.length > 0
        ? html`<span class="count">${chosen.length} selected</span>
            <button ?disabled=${off || free.length === 0 || free.length !== chosen.length} @click=${() => emit(this, 'show-dialog', { dialog: 'checkout', filenames: free })}>Check out selected</button>
            <button ?disabled=${off || mineChosen.length === 0 || mineChosen.length !== chosen.length} @click=${() => emit(this, 'show-dialog', { dialog: 'checkin', filenames: mineChosen })}>Check in selected</button>
            ${free.length !== chosen.length && mineChosen.length !== chosen.length ? html`<span class="hint">Select only available files, or only yours, to act on them together.</span>` : ''}
            <button class="link" @click=${() => (this._selected = new Set())}>Clear selection</button>`
        : ''}
      ${allMine.length > 0 ? html`<button ?disabled=${off} @click=${() => emit(this, 'show-dialog', { dialog: 'checkin', filenames: allMine })}>Check in all mine (${allMine.length})</button>` : ''}
    </div>`;
  }

  /** The narrow screen's sort menu (the column headers are hidden there): `key:asc|desc`. */
  private _sortFrom(value: string) {
    const [key, dir] = value.split(':') as [SortKey, string];
    this._sort = key;
    this._desc = dir === 'desc';
  }

  private _sortBy(key: SortKey) {
    if (this._sort === key) this._desc = !this._desc;
    else {
      this._sort = key;
      this._desc = false;
    }
  }

  static override styles = fileTableStyles;
}

declare global {
  interface HTMLElementTagNameMap {
    'file-table': FileTable;
  }
}
