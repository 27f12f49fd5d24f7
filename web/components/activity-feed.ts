import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { LOCK_ACTIVITY_TYPES, type ActivityEvent } from '../../shared/protocol.js';
import type { BoardActions } from '../data/board-actions.js';
import type { ActivityFilters } from '../data/history-api.js';
import { relativeTime } from './format.js';
import { containsText } from '../../shared/text-match.js';
import { baseStyles } from './theme.js';
import { stateText } from './release-state.js';

const VERB: Record<string, string> = {
  checkout: 'checked out',
  checkin: 'checked in',
  force_release: 'force-released',
  undo_checkout: 'undid the check-out of',
  lock_edited: 'edited the lock on',
  file_added: 'added',
  file_changed: 'changed',
  file_removed: 'removed',
  locks_unavailable: 'locks.json became unavailable',
  locks_restored: 'locks.json is readable again',
  version_added: 'saved a new version of',
  version_restored: 'restored an older version of',
  edited_unlocked: 'changed outside a check-out:',
  queued: 'joined the queue for',
  unqueued: 'left the queue for',
  nudge: 'asked for the release of',
};

/** `marked PN1001.mcam Released A`; a check-out's new revision: `started PN1001.mcam Draft B`. */
const stateVerb = (e: ActivityEvent) => (e.state === 'draft' && e.message?.startsWith('Revision ') ? 'started' : 'marked');

/** File changes nobody is named for (seen on the share), said of the file. */
const ON_DISK: Record<string, string> = {
  file_added: 'was added on the share',
  file_changed: 'was changed on the share',
  file_removed: 'was removed from the share',
  edited_unlocked: 'was changed on the share while nobody had it checked out',
};

/** A path with a break opportunity after each folder. */
const pathParts = (name: string | null) => (name ?? '').split('/').map((part, i, all) => (i < all.length - 1 ? html`${part}/<wbr />` : part));


const matches = (e: ActivityEvent, f: ActivityFilters) => (!f.filename || containsText(e.filename, f.filename)) && (!f.user || containsText(e.user, f.user));

/**
 * The activity log, newest first: the live entries, older pages on `Load more`, and filters by
 * file and person (asked of the server; live entries that match join them).
 */
@customElement('activity-feed')
export class ActivityFeed extends LitElement {
  /** Live entries, oldest first (as the server sends them). */
  @property({ attribute: false }) events: ActivityEvent[] = [];
  /** Loads a page of the log. */
  @property({ attribute: false }) actions: Pick<BoardActions, 'activity'> | null = null;

  /** The page's clock, for "3 min ago". */
  @property({ type: Number }) now = Date.now();
  @state() private _filters: ActivityFilters = { filename: '', user: '' };
  /** Entries the server gave for the filters or `Load more`, oldest first. */
  @state() private _loaded: ActivityEvent[] = [];
  /** The log has nothing older than what is shown. */
  @state() private _end = false;
  @state() private _busy = false;
  @state() private _error = '';

  /** What is shown, oldest first: loaded pages, then the live entries that match. */
  private _shown(): ActivityEvent[] {
    const seen = new Set<string>();
    const all = [...this._loaded, ...this.events.filter((e) => matches(e, this._filters))];
    // A restore is told by its version_restored entry, not also by the version_added it made.
    const restored = new Set(all.filter((e) => e.type === 'version_restored').map((e) => `${e.filename}\u0000${e.version}`));
    // A content change the server made itself (an upload) is told by its version_added entry.
    return all.filter((e) => !(e.type === 'file_changed' && e.source === 'api') && !(e.type === 'version_added' && restored.has(`${e.filename}\u0000${e.version}`)) && !seen.has(e.id) && seen.add(e.id));
  }

  override render() {
    const items = this._shown().reverse();
    return html`<section aria-labelledby="h">
      <h2 id="h">Activity</h2>
      <form class="filters" @submit=${(e: Event) => this._apply(e)}>
        <label>File <input name="filename" type="search" .value=${this._filters.filename} placeholder="e.g. PN1001" /></label>
        <label>Person <input name="user" type="search" .value=${this._filters.user} placeholder="name" /></label>
        <button type="submit">Filter</button>
      </form>
      <ol>
        ${items.map(
          (e) => html`<li>
            ${!e.user && ON_DISK[e.type]
              ? html`<span class="file">${pathParts(e.filename)}</span> ${ON_DISK[e.type]}`
              : html`<span class="who">${e.user ?? (e.source === 'disk' ? 'On disk' : 'Someone')}</span>
                  ${e.type === 'state_changed' ? stateVerb(e) : VERB[e.type] ?? e.type} <span class="file">${pathParts(e.filename)}</span>${e.type === 'state_changed' && e.state && e.revision ? ` ${stateText({ state: e.state, revision: e.revision })}` : ''}`}
            ${e.type === 'force_release' && e.previous_user ? html`(held by ${e.previous_user})` : ''}
            ${e.message ? html`<q>${e.message}</q>` : ''} ${e.source === 'disk' && LOCK_ACTIVITY_TYPES.has(e.type) ? html`<span class="tag">edited on disk</span>` : ''}
            <time datetime=${e.at} title=${new Date(e.at).toLocaleString()}>${relativeTime(e.at, this.now)}</time>
          </li>`,
        )}
      </ol>
      ${items.length === 0 && !this._busy ? html`<p class="empty">${this._filters.filename || this._filters.user ? 'Nothing matches.' : 'Nothing yet.'}</p>` : ''}
      ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : ''}
      ${this._end ? html`<p class="empty">That is everything.</p>` : items.length > 0 ? html`<button class="more" ?disabled=${this._busy} @click=${() => void this._more()}>Load more</button>` : ''}
    </section>`;
  }

  private async _apply(e: Event) {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const text = (key: string) => {
      const v = form.get(key);
      return typeof v === 'string' ? v.trim() : '';
    };
    this._filters = { filename: text('filename'), user: text('user') };
    this._loaded = [];
    this._end = false;
    if (this._filters.filename || this._filters.user) await this._load(null);
  }

  private async _more() {
    await this._load(this._shown()[0]?.id ?? null);
  }

  private async _load(before: string | null) {
    if (!this.actions || this._busy) return;
    this._busy = true;
    this._error = '';
    const filters = this._filters;
    try {
      const page = await this.actions.activity(filters, before);
      if (filters !== this._filters) return; // the filters changed meanwhile
      this._loaded = [...page, ...this._loaded];
      this._end = page.length === 0;
    } catch (err) {
      this._error = (err as Error).message;
    } finally {
      this._busy = false;
    }
  }

  static override styles = [
    baseStyles,
    css`
    h2 {
      font-size: 1rem;
      margin: 0 0 0.5rem;
    }
    .filters {
      display: flex;
      flex-wrap: wrap;
      gap: 0.4rem;
      align-items: end;
      margin-bottom: 0.6rem;
      font-size: 0.85rem;
    }
    .filters label {
      display: grid;
      gap: 0.15rem;
    }
    .filters input {
      width: 10rem;
    }
    ol {
      list-style: none;
      margin: 0;
      padding: 0;
      display: grid;
      gap: 0.4rem;
      font-size: 0.9rem;
    }
    li {
      line-height: 1.35;
      overflow-wrap: anywhere;
    }
    .who {
      font-weight: 600;
    }
    /* A path breaks after a folder's slash (<wbr>), inside a name only when one alone is too long. */
    .file {
      font-family: ui-monospace, monospace;
      overflow-wrap: break-word;
    }
    q {
      color: var(--muted);
    }
    .tag {
      font-size: 0.75rem;
      padding: 0 0.35rem;
      border: 1px solid var(--control-border);
      border-radius: 4px;
      color: var(--muted);
    }
    time {
      display: block;
      color: var(--muted);
      font-size: 0.8rem;
    }
    .empty {
      color: var(--muted);
    }
    .error {
      color: var(--danger);
    }
    .more {
      margin-top: 0.6rem;
    }
  `,
  ];
}

declare global {
  interface HTMLElementTagNameMap {
    'activity-feed': ActivityFeed;
  }
}
