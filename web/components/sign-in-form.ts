import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { baseStyles, cardFormStyles } from './theme.js';

/** Users mode: name and password. */
@customElement('sign-in-form')
export class SignInForm extends LitElement {
  /** The directory this signs in to (`--ldap-label`), '' for the users file alone. */
  @property() directory = '';
  /** Signs in; answers the refusal to show, or null. */
  @property({ attribute: false }) signIn: ((user: string, password: string) => Promise<string | null>) | null = null;

  /** The server's refusal of the last attempt. */
  @state() private _error = '';
  /** True while signing in. */
  @state() private _busy = false;

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
        ${this._error ? html`<p role="alert">${this._error}</p>` : ''}
        <button class="primary" type="submit" ?disabled=${this._busy}>Sign in</button>
      </form>
    `;
  }

  private async _submit(e: Event) {
    e.preventDefault();
    if (!this.signIn || this._busy) return;
    this._busy = true;
    this._error = (await this.signIn(this._user.trim(), this._password)) ?? '';
    this._busy = false;
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
