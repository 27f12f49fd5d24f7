import { LitElement, css, html } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { emit } from '../state/dom-events.js';
import { baseStyles, dialogStyles } from './theme.js';

/** Check-in: an optional comment and an optional new version to upload first. */
@customElement('checkin-dialog')
export class CheckinDialog extends LitElement {
  /** The file being checked in; '' when closed. */
  @property() filename = '';
  /** The server's refusal, shown in the dialog. */
  @property() error = '';
  /** Upload progress 0..1 while uploading, or null. */
  @property({ attribute: false }) progress: number | null = null;
  /** True while uploading or checking in. */
  @property({ type: Boolean }) busy = false;

  @state() private _comment = '';
  @query('dialog') private _dialog!: HTMLDialogElement;
  @query('input[type=file]') private _file!: HTMLInputElement;

  /** Opens the dialog for a file. */
  open(filename: string) {
    this.filename = filename;
    this.error = '';
    this._comment = '';
    this.progress = null;
    this.busy = false;
    void this.updateComplete.then(() => {
      this._file.value = '';
      if (!this._dialog.open) this._dialog.showModal();
    });
  }

  close() {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- close() may come before the first render
    if (this._dialog?.open) this._dialog.close();
  }

  override render() {
    return html`<dialog aria-labelledby="t" @cancel=${this._cancel} @close=${() => (this.filename = '')}>
      <form method="dialog" @submit=${this._submit}>
        <h2 id="t">Check in <span class="file">${this.filename}</span></h2>
        <label for="comment">Comment</label>
        <textarea id="comment" rows="3" maxlength="2000" placeholder="What changed? (optional)" .value=${this._comment} @input=${(e: Event) => (this._comment = (e.target as HTMLTextAreaElement).value)}></textarea>
        <label for="file">New version (optional)</label>
        <input id="file" type="file" ?disabled=${this.busy} />
        ${this.progress !== null ? html`<progress aria-label="Upload progress" max="1" .value=${this.progress}></progress>` : ''}
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
        <div class="buttons">
          <button type="button" @click=${this._cancel}>Cancel</button>
          <button type="submit" class="primary" ?disabled=${this.busy}>Confirm check-in</button>
        </div>
      </form>
    </dialog>`;
  }

  private _submit(e: Event) {
    e.preventDefault();
    emit(this, 'checkin-confirm', { filename: this.filename, comment: this._comment.trim(), file: this._file.files?.[0] ?? null });
  }

  // Escape or Cancel: stop an upload in flight, or just close.
  private _cancel(e: Event) {
    e.preventDefault();
    if (this.busy) emit(this, 'upload-cancel', { filename: this.filename });
    else this.close();
  }

  static override styles = [
    baseStyles,
    dialogStyles,
    css`
      progress {
        width: 100%;
      }
    `,
  ];
}

declare global {
  interface HTMLElementTagNameMap {
    'checkin-dialog': CheckinDialog;
  }
}
