import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { emit } from '../state/dom-events.js';
import { baseStyles, cardFormStyles } from './theme.js';

/** First visit in open mode: who are you? */
@customElement('name-prompt')
export class NamePrompt extends LitElement {
  @state() private _name = '';

  override render() {
    return html`
      <form @submit=${this._submit} aria-label="Who are you">
        <h2>Welcome to PDM Live</h2>
        <p>Tell your colleagues who holds a file: your name is shown on every check-out.</p>
        <label for="name">Your name</label>
        <input id="name" name="name" autocomplete="name" maxlength="100" required .value=${this._name} @input=${(e: Event) => (this._name = (e.target as HTMLInputElement).value)} />
        <button class="primary" type="submit" ?disabled=${this._name.trim() === ''}>Continue</button>
      </form>
    `;
  }

  /** The only thing to do on this screen: the name box has focus from the start (not the theme button). */
  protected override firstUpdated(): void {
    this.renderRoot.querySelector<HTMLInputElement>('#name')?.focus();
  }

  private _submit(e: Event) {
    e.preventDefault();
    const name = this._name.trim();
    if (name) emit(this, 'name-submit', { name });
  }

  static override styles = [
    baseStyles,
    cardFormStyles,
    css`
      p {
        margin: 0;
        color: var(--muted);
      }
    `,
  ];
}

declare global {
  interface HTMLElementTagNameMap {
    'name-prompt': NamePrompt;
  }
}
