import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { Notice } from '../state/board-store.js';
import { emit } from '../state/dom-events.js';
import { baseStyles } from './theme.js';

/** Notices about files you hold that someone else touched. */
@customElement('toast-stack')
export class ToastStack extends LitElement {
  /** Notices to show, oldest first. */
  @property({ attribute: false }) notices: Notice[] = [];

  override render() {
    return html`<div class="stack" role="log" aria-live="polite" aria-label="Notifications">
      ${repeat(
        this.notices,
        (n) => n.id,
        (n) => html`<div class="toast"><span>${n.text}</span><button aria-label="Dismiss notification" @click=${() => emit(this, 'notice-dismiss', { id: n.id })}>✕</button></div>`,
      )}
    </div>`;
  }

  static override styles = [
    baseStyles,
    css`
      .stack {
        position: fixed;
        right: 1rem;
        bottom: 1rem;
        display: grid;
        gap: 0.5rem;
        z-index: 10;
        max-width: min(26rem, calc(100vw - 2rem));
      }
      .toast {
        display: flex;
        gap: 0.75rem;
        align-items: center;
        padding: 0.7rem 0.9rem;
        background: var(--toast-bg);
        color: var(--toast-fg);
        border-radius: 8px;
        box-shadow: 0 4px 16px rgb(0 0 0 / 0.25);
      }
      button {
        background: transparent;
        color: inherit;
        border: none;
      }
    `,
  ];
}

declare global {
  interface HTMLElementTagNameMap {
    'toast-stack': ToastStack;
  }
}
