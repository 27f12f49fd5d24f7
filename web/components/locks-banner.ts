import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { HealthBody } from '../../shared/protocol.js';

/** Shown while locks.json is unavailable, with the server's own words. */
@customElement('locks-banner')
export class LocksBanner extends LitElement {
  /** The server's health; nothing is shown while it is ok. */
  @property({ attribute: false }) health: HealthBody | null = null;

  override render() {
    if (!this.health || this.health.locks === 'ok') return nothing;
    return html`<div role="alert"><strong>Locks unavailable:</strong> ${this.health.detail ?? 'locks.json cannot be read.'}</div>`;
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
