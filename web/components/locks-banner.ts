import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { HealthBody } from '../../shared/protocol.js';

/**
 * Why the board cannot act, where people look: while the connection is down (reconnecting), or
 * while locks.json is unavailable (with the server's own words).
 */
@customElement('locks-banner')
export class LocksBanner extends LitElement {
  /** The server's health; nothing is shown while it is ok. */
  @property({ attribute: false }) health: HealthBody | null = null;
  /** The connection is down: the page shows the last state it had. */
  @property({ type: Boolean }) offline = false;

  override render() {
    if (this.offline) {
      return html`<div role="alert"><strong>Reconnecting…</strong> The server cannot be reached: what you see may be out of date, and checking out, checking in, versions and history wait until the page is Live again.</div>`;
    }
    if (!this.health || this.health.locks === 'ok') return nothing;
    return html`<div role="alert"><strong>Locks unavailable:</strong> ${this.health.detail ?? 'locks.json cannot be read: checking out and checking in wait until it is fixed.'}</div>`;
  }

  static override styles = css`
    div {
      padding: 0.7rem 1rem;
      background: var(--danger-bg);
      color: var(--danger-fg);
      border-bottom: 1px solid var(--danger);
    }
  `;
}

declare global {
  interface HTMLElementTagNameMap {
    'locks-banner': LocksBanner;
  }
}
