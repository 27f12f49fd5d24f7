import { html } from 'lit';
import { FormDialog } from './form-dialog.js';
import { customElement, property, query, state } from 'lit/decorators.js';
import type { BoardActions } from '../data/board-actions.js';
import type { LockInfo } from '../../shared/protocol.js';
import { submitOnCtrlEnter } from './dialog-keys.js';
import { baseStyles, dialogStyles } from './theme.js';

/** An admin's forced release: who holds it, and a reason the holder is told. */
@customElement('force-dialog')
export class ForceDialog extends FormDialog {
  @property({ attribute: false }) lock: LockInfo | null = null;
  @property({ attribute: false }) actions: Pick<BoardActions, 'forceRelease'> | null = null;

  @state() private _reason = '';
  @query('textarea') private _field!: HTMLTextAreaElement;

  open(filename: string, lock: LockInfo | null) {
    this.lock = lock;
    this._reason = '';
    this.openFor([filename], () => this._field);
  }


  override render() {
    return html`<dialog aria-labelledby="t" @close=${this.closed}>
      <form method="dialog" @submit=${this._submit} @keydown=${submitOnCtrlEnter}>
        <h2 id="t">Force release <span class="file">${this.filenames[0] ?? ''}</span></h2>
        ${this.lock ? html`<p>Checked out by <strong>${this.lock.user}</strong>${this.lock.message ? html`: <q>${this.lock.message}</q>` : ''}. Their unsaved work stays on their machine; they are told why.</p>` : ''}
        <label for="reason">Reason</label>
        <textarea id="reason" rows="3" maxlength="2000" required placeholder="Why it must be released now" .value=${this._reason} @input=${(e: Event) => (this._reason = (e.target as HTMLTextAreaElement).value)}></textarea>
        ${this.refusalLine()}
        <div class="buttons">
          <button type="button" @click=${() => this.close()}>Cancel</button>
          <button type="submit" class="danger" ?disabled=${this._reason.trim() === ''} aria-disabled=${this._busy ? 'true' : 'false'}>Confirm force release</button>
        </div>
      </form>
    </dialog>`;
  }

  private async _submit(e: Event) {
    e.preventDefault();
    const reason = this._reason.trim();
    const actions = this.actions;
    if (!actions || !reason) return;
    await this.send(() => actions.forceRelease(this.filenames[0] ?? '', reason));
  }


  static override styles = [baseStyles, dialogStyles];
}

declare global {
  interface HTMLElementTagNameMap {
    'force-dialog': ForceDialog;
  }
}
