import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { ActivityEvent } from '../../shared/protocol.js';
import { relativeTime } from './format.js';

const VERB: Record<string, string> = {
  checkout: 'checked out',
  checkin: 'checked in',
  force_release: 'force-released',
  lock_edited: 'edited the lock on',
  file_added: 'added',
  file_changed: 'changed',
  file_removed: 'removed',
  locks_unavailable: 'locks.json became unavailable',
  locks_restored: 'locks.json is readable again',
  version_added: 'saved a new version of',
  version_restored: 'restored an older version of',
  edited_unlocked: 'changed outside a check-out:',
};

/** The last 100 events, newest first: who, what, when. */
@customElement('activity-feed')
export class ActivityFeed extends LitElement {
  /** Entries, oldest first (as the server sends them). */
  @property({ attribute: false }) events: ActivityEvent[] = [];

  override render() {
    const items = [...this.events].reverse();
    return html`<section aria-labelledby="h">
      <h2 id="h">Activity</h2>
      <ol>
        ${items.map(
          (e) => html`<li>
            <span class="who">${e.user ?? (e.source === 'disk' ? 'On disk' : 'Someone')}</span>
            ${VERB[e.type] ?? e.type} <span class="file">${e.filename ?? ''}</span>
            ${e.type === 'force_release' && e.previous_user ? html`(held by ${e.previous_user})` : ''}
            ${e.message ? html`<q>${e.message}</q>` : ''}
            <time datetime=${e.at} title=${new Date(e.at).toLocaleString()}>${relativeTime(e.at)}</time>
          </li>`,
        )}
      </ol>
      ${items.length === 0 ? html`<p class="empty">Nothing yet.</p>` : ''}
    </section>`;
  }

  static override styles = css`
    h2 {
      font-size: 1rem;
      margin: 0 0 0.5rem;
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
    .file {
      font-family: ui-monospace, monospace;
    }
    q {
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
  `;
}

declare global {
  interface HTMLElementTagNameMap {
    'activity-feed': ActivityFeed;
  }
}
