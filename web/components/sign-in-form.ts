import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { emit } from '../state/dom-events.js';
import { baseStyles, cardFormStyles } from './theme.js';

/** Users mode: name and password. */
@customElement('sign-in-form')
export class SignInForm extends LitElement {
  /** The server's refusal of the last attempt. */
  @property() error = '';
  /** The directory this signs in to (`--ldap-label`), '' for the users file alone. */
  @property() directory = '';
  /** True while signing in. */
  @property({ type: Boolean }) busy = false;

  @state() private _user = '';
  @state() private _password = '';

  override render() {
    return html`
      <form @submit=${this._submit} aria-label="Sign in">
        <h2>Sign in to PDM Live</h2>
        ${this.directory ? html`<p class="directory">With your <strong>${this.directory}</strong> account</p>` : ''}
        <label for="user">Name</label>
        <input id="user" autocomplete="username" required .value=${this._user} @input=${(e: Event) => (this._user = (e.target as HTMLInputElement).value)} />
        <label for="pw">Password</label>
        <input id="pw" type="password" autocomplete="current-password" required .value=${this._password} @input=${(e: Event) => (this._password = (e.target as HTMLInputElement).value)} />
        ${this.error ? html`<p role="alert">${this.error}</p>` : ''}
        <button class="primary" type="submit" ?disabled=${this.busy}>Sign in</button>
      </form>
    `;
  }

  private _submit(e: Event) {
    e.preventDefault();
    emit(this, 'sign-in', { user: this._user.trim(), password: this._password });
  }

  static override styles = [
    baseStyles,
    cardFormStyles,
    css`
      .directory {
        margin: 0;
      }
      [role='alert'] {
        color: var(--danger);
        margin: 0;
      }
    `,
  ];
}

declare global {
  interface HTMLElementTagNameMap {
    'sign-in-form': SignInForm;
  }
}
