import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { Notice } from '../state/board-store.js';
import { emit } from '../state/dom-events.js';
import { baseStyles } from './theme.js';

/** Notices: about files you hold (they stay until dismissed), and passing information. */
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
      /* In the page's flow under the header, never over a control. */
      .stack {
        display: grid;
        gap: 0.4rem;
        padding: 0 1rem;
      }
      .toast {
        display: flex;
        gap: 0.75rem;
        align-items: center;
        justify-content: space-between;
        margin-top: 0.5rem;
        padding: 0.45rem 0.8rem;
        background: var(--toast-bg);
        color: var(--toast-fg);
        border-radius: 8px;
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
