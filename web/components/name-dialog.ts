import { html } from 'lit';
import { ModalElement } from './modal-element.js';
import { customElement, property, query, state } from 'lit/decorators.js';
import { emit } from '../state/dom-events.js';
import { submitOnCtrlEnter } from './dialog-keys.js';
import { baseStyles, dialogStyles } from './theme.js';

/** Open mode: change the name this browser acts as; says what happens to the locks you hold. */
@customElement('name-dialog')
export class NameDialog extends ModalElement {
  /** The name now. */
  @property() current = '';
  /** How many files are checked out under the current name. */
  @property({ type: Number }) held = 0;

  @state() private _name = '';
  @query('input') private _field!: HTMLInputElement;

  open() {
    this._name = this.current;
    this.showModal();
    void this.updateComplete.then(() => this._field.select());
  }


  override render() {
    const name = this._name.trim();
    return html`<dialog aria-labelledby="t">
      <form method="dialog" @submit=${this._submit} @keydown=${submitOnCtrlEnter}>
        <h2 id="t">Change name</h2>
        <label for="name">Your name</label>
        <input id="name" autocomplete="name" maxlength="100" required .value=${this._name} @input=${(e: Event) => (this._name = (e.target as HTMLInputElement).value)} />
        ${this.held > 0
          ? html`<p id="held">You hold ${this.held} file${this.held === 1 ? '' : 's'} as <strong>${this.current}</strong>: ${this.held === 1 ? 'it stays' : 'they stay'} checked out to ${this.current}. Check ${this.held === 1 ? 'it' : 'them'} in first if the new name should hold ${this.held === 1 ? 'it' : 'them'}.</p>`
          : ''}
        <div class="buttons">
          <button type="button" @click=${() => this.close()}>Cancel</button>
          <button type="submit" class="primary" ?disabled=${name === '' || name === this.current}>Change name</button>
        </div>
      </form>
    </dialog>`;
  }

  private _submit(e: Event) {
    e.preventDefault();
    const name = this._name.trim();
    if (!name || name === this.current) return;
    emit(this, 'name-submit', { name });
    this.close();
  }

  static override styles = [baseStyles, dialogStyles];
}

declare global {
  interface HTMLElementTagNameMap {
    'name-dialog': NameDialog;
  }
}
