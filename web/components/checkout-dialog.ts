import { html } from 'lit';
import { FormDialog } from './form-dialog.js';
import { customElement, property, query, state } from 'lit/decorators.js';
import type { BoardActions } from '../data/board-actions.js';
import { fileList } from './file-list.js';
import { submitOnCtrlEnter } from './dialog-keys.js';
import { baseStyles, dialogStyles } from './theme.js';

/**
 * Asks for a check-out message; shows a conflict in place when someone was faster. For a file
 * someone holds, the same dialog joins its queue (`Check out when free`): the message is the
 * check-out's when the file is handed over.
 */
@customElement('checkout-dialog')
export class CheckoutDialog extends FormDialog {
  /** Does the check-out; answers the refusal to show, or null. */
  @property({ attribute: false }) actions: Pick<BoardActions, 'checkout' | 'wait'> | null = null;
  /** Joining the queue of a held file rather than checking out now. */
  @state() private _wait = false;
  /** Files the check-out moves to their next revision (proven, released or obsolete ones). */
  @state() private _starts: ReadonlyMap<string, { from: string; to: string }> = new Map();
  @state() private _message = '';
  /** `datetime-local` value, '' for none. */
  @state() private _until = '';
  @query('textarea') private _field!: HTMLTextAreaElement;

  /** Opens the dialog for one file or several (checked out together, all or nothing). */
  open(filenames: string[], wait = false, starts: ReadonlyMap<string, { from: string; to: string }> = new Map()) {
    this._wait = wait;
    this._starts = starts;
    this._message = '';
    this._until = '';
    this.openFor(filenames, () => this._field);
  }


  override render() {
    const several = this.filenames.length > 1;
    return html`<dialog aria-labelledby="t" @close=${this.closed}>
      <form method="dialog" @submit=${this._submit} @keydown=${submitOnCtrlEnter}>
        <h2 id="t">Check out ${several ? `${this.filenames.length} files` : html`<span class="file">${this.filenames[0] ?? ''}</span>`}${this._wait ? ' when free' : ''}</h2>
        ${several ? fileList(this.filenames) : ''}
        ${this._wait ? html`<p class="hint">You join the queue; when it is released the file is checked out to you with this message.</p>` : ''}
        <label for="msg">Message</label>
        <textarea id="msg" rows="3" maxlength="2000" placeholder="What are you changing?" .value=${this._message} @input=${(e: Event) => (this._message = (e.target as HTMLTextAreaElement).value)}></textarea>
        ${this._wait
          ? ''
          : html`<label for="until">Until</label>
              <input id="until" type="datetime-local" .value=${this._until} @input=${(e: Event) => (this._until = (e.target as HTMLInputElement).value)} aria-describedby="until-hint" />
              <small id="until-hint">Optional: when you mean to be done. Past it the lock shows as overdue.</small>`}
        ${this._startsNote()}
        ${this.refusalLine()}
        <div class="buttons">
          <button type="button" @click=${() => this.close()}>Cancel</button>
          <button type="submit" class="primary" aria-disabled=${this._busy ? 'true' : 'false'}>${this._confirmLabel()}</button>
        </div>
      </form>
    </dialog>`;
  }

  /** A released (or proven, or obsolete) file is never changed in place: its check-out starts the next revision. */
  private _startsNote() {
    if (this._wait || this._starts.size === 0) return '';
    const [name, one] = [...this._starts][0]!;
    return html`<p class="hint" role="note">
      ${this._starts.size === 1 ? html`<span class="file">${name}</span> is ${one.from}: checking it out starts revision ${one.to} as a draft. ${one.from} stays available as a version.` : `${this._starts.size} of these files are proven, released or obsolete: checking them out starts their next revision as a draft.`}
    </p>`;
  }

  private _confirmLabel(): string {
    if (this._wait) return 'Join the queue';
    if (this._starts.size === 1 && this.filenames.length === 1) return `Start revision ${[...this._starts.values()][0]!.to}`;
    return this._starts.size > 0 ? 'Start next revisions' : 'Confirm check-out';
  }

  private async _submit(e: Event) {
    e.preventDefault();
    const actions = this.actions;
    if (!actions) return;
    // datetime-local is the browser's local time; the server keeps ISO (UTC).
    const until = this._until ? new Date(this._until).toISOString() : undefined;
    const message = this._message.trim();
    await this.send(() => (this._wait ? actions.wait(this.filenames[0] ?? '', message) : actions.checkout(this.filenames, message, until)));
  }


  static override styles = [baseStyles, dialogStyles];
}

declare global {
  interface HTMLElementTagNameMap {
    'checkout-dialog': CheckoutDialog;
  }
}
