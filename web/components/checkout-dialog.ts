import { LitElement, html } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { emit } from '../state/dom-events.js';
import { baseStyles, dialogStyles } from './theme.js';

/** Asks for a check-out message; shows a conflict in place when someone was faster. */
@customElement('checkout-dialog')
export class CheckoutDialog extends LitElement {
  /** The file being checked out; '' when closed. */
  @property() filename = '';
  /** The server's refusal, shown in the dialog. */
  @property() error = '';
  /** True while the request is in flight. */
  @property({ type: Boolean }) busy = false;

  @state() private _message = '';
  @query('dialog') private _dialog!: HTMLDialogElement;
  @query('textarea') private _field!: HTMLTextAreaElement;

  /** Opens the dialog for a file. */
  open(filename: string) {
    this.filename = filename;
    this.error = '';
    this._message = '';
    this.busy = false;
    void this.updateComplete.then(() => {
      if (!this._dialog.open) this._dialog.showModal();
      this._field.focus();
    });
  }

  close() {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- close() may come before the first render
    if (this._dialog?.open) this._dialog.close();
  }

  override render() {
    return html`<dialog aria-labelledby="t" @close=${() => (this.filename = '')}>
      <form method="dialog" @submit=${this._submit}>
        <h2 id="t">Check out <span class="file">${this.filename}</span></h2>
        <label for="msg">Message</label>
        <textarea id="msg" rows="3" maxlength="2000" placeholder="What are you changing?" .value=${this._message} @input=${(e: Event) => (this._message = (e.target as HTMLTextAreaElement).value)}></textarea>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
        <div class="buttons">
          <button type="button" @click=${() => this.close()}>Cancel</button>
          <button type="submit" class="primary" ?disabled=${this.busy}>Confirm check-out</button>
        </div>
      </form>
    </dialog>`;
  }

  private _submit(e: Event) {
    e.preventDefault();
    emit(this, 'checkout-confirm', { filename: this.filename, message: this._message.trim() });
  }

  static override styles = [baseStyles, dialogStyles];
}

declare global {
  interface HTMLElementTagNameMap {
    'checkout-dialog': CheckoutDialog;
  }
}
