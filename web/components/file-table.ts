import '@lit-labs/virtualizer';
import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { compareNames } from '../../shared/file-names.js';
import type { FileStatus } from '../../shared/protocol.js';
import { emit } from '../state/dom-events.js';
import { duration, formatSize, relativeTime } from './format.js';
import { baseStyles } from './theme.js';

type SortKey = 'name' | 'size' | 'modified' | 'status' | 'message' | 'held';
type StatusFilter = 'all' | 'mine' | 'checked_out' | 'available';

const COLUMNS: Array<[SortKey, string]> = [
  ['name', 'Name'],
  ['size', 'Size'],
  ['modified', 'Modified'],
  ['status', 'Status'],
  ['message', 'Message'],
  ['held', 'Held for'],
];

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

/** Every tracked file: sortable, filterable, virtualized so 10,000 rows stay smooth. */
const keyOfRow = (f: unknown) => (f as FileStatus).name;

@customElement('file-table')
export class FileTable extends LitElement {
  /** All files, in name order. */
  @property({ attribute: false }) files: FileStatus[] = [];
  /** The name this browser acts as. */
  @property() user = '';
  /** Whether the user may force a release. */
  @property({ type: Boolean }) admin = false;
  /** Why commands are disabled (e.g. not connected), or '' when they are allowed. */
  @property() disabledReason = '';
  /** Rows to flash briefly because they just changed. */
  @property({ attribute: false }) highlighted: (name: string) => boolean = () => false;

  @state() private _sort: SortKey = 'name';
  @state() private _desc = false;
  @state() private _text = '';
  @state() private _status: StatusFilter = 'all';
  @state() private _folder = '';

  private _memo: { files: FileStatus[]; key: string; rows: FileStatus[] } | null = null;

  /** Filtered and sorted rows, recomputed only when the inputs change. */
  rows(): FileStatus[] {
    const key = [this._sort, this._desc, this._text, this._status, this._folder, this.user].join('\u0000');
    if (this._memo && this._memo.files === this.files && this._memo.key === key) return this._memo.rows;
    const text = this._text.trim().toLowerCase();
    let rows = this.files.filter((f) => {
      if (this._folder && folderOf(f.name) !== this._folder) return false;
      if (this._status === 'mine' && f.locked_by !== this.user) return false;
      if (this._status === 'checked_out' && f.status !== 'checked_out') return false;
      if (this._status === 'available' && f.status !== 'available') return false;
      if (text && !f.name.toLowerCase().includes(text) && !(f.lock?.message ?? '').toLowerCase().includes(text) && !(f.locked_by ?? '').toLowerCase().includes(text)) return false;
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
          </select></label
        >
        <label
          >Folder
          <select .value=${this._folder} @change=${(e: Event) => (this._folder = (e.target as HTMLSelectElement).value)}>
            <option value="">All folders</option>
            ${folders.map((f) => html`<option value=${f}>${f}</option>`)}
          </select></label
        >
        <label class="narrow-only"
          >Sort by
          <select aria-label="Sort by" .value=${`${this._sort}:${this._desc ? 'desc' : 'asc'}`} @change=${(e: Event) => this._sortFrom((e.target as HTMLSelectElement).value)}>
            ${COLUMNS.map(
              ([key, label]) =>
                html`<option value="${key}:asc">${label}, ascending</option>
                  <option value="${key}:desc">${label}, descending</option>`,
            )}
          </select></label
        >
        <span class="count" aria-live="polite">${rows.length} of ${this.files.length} files</span>
      </div>
      <div role="table" aria-label="Files" aria-rowcount=${rows.length + 1}>
        <div role="rowgroup" class="head">
          <div role="row" class="row">
            ${COLUMNS.map(
              ([key, label]) => html`<div role="columnheader" class="c-${key}" aria-sort=${this._sort === key ? (this._desc ? 'descending' : 'ascending') : 'none'}>
                <button class="sort" @click=${() => this._sortBy(key)} title="Sort by ${label}">${label}${this._sort === key ? (this._desc ? ' ▼' : ' ▲') : ''}</button>
              </div>`,
            )}
            <div role="columnheader" class="c-actions">Actions</div>
          </div>
        </div>
        <lit-virtualizer role="rowgroup" scroller class="body" .items=${rows} .keyFunction=${keyOfRow} .renderItem=${this._renderRow}></lit-virtualizer>
        ${rows.length === 0 ? html`<p class="empty">${this.files.length === 0 ? 'No tracked files in the vault yet.' : 'No file matches the filter.'}</p>` : ''}
      </div>
    `;
  }

  // <lit-virtualizer>'s properties are typed for items of any type (its T is not inferred from `.items`).
  private readonly _renderRow = (f: unknown) => this._row(f as FileStatus);

  private _row(f: FileStatus) {
    const mine = f.locked_by !== null && f.locked_by === this.user;
    const other = f.locked_by !== null && !mine;
    const status = f.locked_by ? `Checked out by ${f.locked_by}` : 'Available';
    const disabled = this.disabledReason !== '';
    const title = disabled ? this.disabledReason : '';
    let action;
    if (mine) {
      action = html`<button class="primary" ?disabled=${disabled} title=${title} @click=${() => emit(this, 'checkin-request', { filename: f.name, force: false })}>Check in</button>`;
    } else if (other && this.admin) {
      action = html`<button class="danger" ?disabled=${disabled} title=${title} @click=${() => emit(this, 'checkin-request', { filename: f.name, force: true })}>Force release</button>`;
    } else {
      action = html`<button ?disabled=${disabled} title=${title} @click=${() => emit(this, 'checkout-request', { filename: f.name })}>Check out</button>`;
    }
    const url = `/api/files/${f.name.split('/').map(encodeURIComponent).join('/')}/content`;
    return html`<div role="row" class="row ${f.locked_by ? 'out' : ''} ${mine ? 'mine' : ''} ${this.highlighted(f.name) ? 'flash' : ''}" data-name=${f.name}>
      <div role="cell" class="c-name"><span class="path">${folderOf(f.name) ? folderOf(f.name) + '/' : ''}</span>${baseOf(f.name)}</div>
      <div role="cell" class="c-size">${formatSize(f.size_bytes)}</div>
      <div role="cell" class="c-modified"><time datetime=${f.modified ?? ''} title=${f.modified ? new Date(f.modified).toLocaleString() : ''}>${relativeTime(f.modified)}</time></div>
      <div role="cell" class="c-status"><span class="badge">${status}</span>${f.protected ? html` <span class="ro" role="img" aria-label="Read-only on the share" title="Read-only on the share until it is checked out">🔒</span>` : ''}${f.warning === 'edited_unlocked' ? html` <span class="warn" title="The content changed on disk while nobody held the lock; cleared by the next check-out and check-in">Edited while not checked out</span>` : ''}</div>
      <div role="cell" class="c-message">${f.lock?.message ?? ''}</div>
      <div role="cell" class="c-held">${f.lock ? duration(f.lock.timestamp) : ''}</div>
      <div role="cell" class="c-actions">${action}<a href=${url} download aria-label="Download ${f.name}">Download</a
        ><button class="link" @click=${() => emit(this, 'versions-request', { filename: f.name })} aria-label="Versions of ${f.name}">Versions</button></div>
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

  static override styles = [
    baseStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        min-height: 0;
      }
      .filters {
        display: flex;
        flex-wrap: wrap;
        gap: 0.75rem;
        align-items: end;
        margin-bottom: 0.75rem;
      }
      .filters label {
        display: grid;
        gap: 0.2rem;
        font-size: 0.85rem;
        color: var(--muted);
      }
      .count {
        color: var(--muted);
        font-size: 0.85rem;
        margin-left: auto;
      }
      [role='table'] {
        display: flex;
        flex-direction: column;
        flex: 1;
        min-height: 0;
        border: 1px solid var(--border);
        border-radius: 8px;
        overflow: hidden;
        background: var(--panel-bg);
      }
      .row {
        display: grid;
        grid-template-columns: minmax(9rem, 2.2fr) 4.5rem 6rem minmax(8rem, 1.3fr) minmax(6rem, 1.6fr) 5rem 13rem;
        align-items: center;
        gap: 0.5rem;
        padding: 0.45rem 0.75rem;
        border-bottom: 1px solid var(--border);
        width: 100%;
        box-sizing: border-box;
      }
      .head .row {
        background: var(--head-bg);
        font-weight: 600;
      }
      .sort {
        border: none;
        background: none;
        padding: 0.2rem 0;
        font-weight: 600;
        min-height: auto;
      }
      .body {
        flex: 1;
        min-height: 12rem;
      }
      .c-name {
        font-family: ui-monospace, monospace;
        overflow-wrap: anywhere;
      }
      .path {
        color: var(--muted);
      }
      .c-message {
        overflow-wrap: anywhere;
      }
      .c-size,
      .c-held,
      .c-modified {
        color: var(--muted);
        font-size: 0.9rem;
      }
      .c-actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.3rem 0.6rem;
        align-items: center;
      }
      .badge {
        display: inline-block;
        padding: 0.1rem 0.5rem;
        border-radius: 999px;
        background: var(--ok-bg);
        color: var(--ok-fg);
        font-size: 0.88rem;
      }
      .out .badge {
        background: var(--warn-bg);
        color: var(--warn-fg);
      }
      .mine .badge {
        background: var(--mine-bg);
        color: var(--mine-fg);
      }
      .warn {
        display: inline-block;
        margin-top: 0.2rem;
        padding: 0.1rem 0.5rem;
        border-radius: 999px;
        background: var(--danger-bg);
        color: var(--danger-fg);
        font-size: 0.8rem;
      }
      .link {
        border: none;
        background: none;
        color: var(--link);
        text-decoration: underline;
        padding: 0;
        min-height: auto;
      }
      .flash {
        animation: flash 2s ease-out;
      }
      @keyframes flash {
        from {
          background: var(--flash);
        }
      }
      .empty {
        padding: 1rem;
        color: var(--muted);
      }
      .filters .narrow-only {
        display: none;
      }
      @media (max-width: 760px) {
        .filters .narrow-only {
          display: grid;
        }
        .row {
          grid-template-columns: 1fr auto;
          /* The name gets the whole width: a phone has no room for it beside the buttons. */
          grid-template-areas: 'name name' 'status status' 'message message' 'actions actions';
          row-gap: 0.3rem;
        }
        .head .row {
          display: none;
        }
        .c-size,
        .c-modified,
        .c-held {
          display: none;
        }
        .c-name {
          grid-area: name;
        }
        .c-status {
          grid-area: status;
        }
        .c-message {
          grid-area: message;
        }
        .c-actions {
          grid-area: actions;
        }
        .count {
          margin-left: 0;
        }
      }
    `,
  ];
}

declare global {
  interface HTMLElementTagNameMap {
    'file-table': FileTable;
  }
}
