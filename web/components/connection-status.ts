import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { ConnectionState } from '../state/board-store.js';

/** `Live` while connected, `Reconnecting…` otherwise. */
@customElement('connection-status')
export class ConnectionStatus extends LitElement {
  /** The connection's state. */
  @property() state: ConnectionState = 'connecting';
  /** Connected, but locks.json is unavailable: the board cannot take check-outs. */
  @property({ type: Boolean }) degraded = false;

  override render() {
    const live = this.state === 'live';
    // Connected reads `Live` (the contract's word) even when degraded, which is said beside it.
    const label = !live ? 'Reconnecting…' : this.degraded ? 'Live · Degraded' : 'Live';
    return html`<span role="status" class=${!live ? 'down' : this.degraded ? 'degraded' : 'live'}><span class="dot" aria-hidden="true"></span>${label}</span>`;
  }

  static override styles = css`
    span[role='status'] {
      display: inline-flex;
      align-items: center;
      gap: 0.4rem;
      font-weight: 600;
      padding: 0.2rem 0.6rem;
      border-radius: 999px;
      border: 1px solid var(--border);
    }
    .dot {
      width: 0.6rem;
      height: 0.6rem;
      border-radius: 50%;
      background: var(--danger);
    }
    .live .dot {
      background: var(--ok);
    }
    .down,
    .degraded {
      color: var(--danger);
    }
    .degraded .dot {
      background: var(--warn-fg);
    }
  `;
}

declare global {
  interface HTMLElementTagNameMap {
    'connection-status': ConnectionStatus;
  }
}
