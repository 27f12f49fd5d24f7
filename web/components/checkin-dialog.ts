import { LitElement, css, html } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import type { BoardActions } from '../data/board-actions.js';
import type { Upload } from '../data/versions-api.js';
import { baseStyles, dialogStyles } from './theme.js';

/** Check-in: an optional comment and an optional new version to upload first. */
@customElement('checkin-dialog')
export class CheckinDialog extends LitElement {
  /** The file being checked in; '' when closed. */
  @property() filename = '';
  /** Uploads the new version and checks in; each answers the refusal to show, or null. */
  @property({ attribute: false }) actions: Pick<BoardActions, 'checkin' | 'upload'> | null = null;

  /** The server's refusal, shown in the dialog. */
  @state() private _error = '';
  /** Upload progress 0..1 while uploading, or null. */
  @state() private _progress: number | null = null;
  /** True while uploading or checking in. */
  @state() private _busy = false;
  private _upload: Upload | null = null;

  @state() private _comment = '';
  @query('dialog') private _dialog!: HTMLDialogElement;
  @query('input[type=file]') private _file!: HTMLInputElement;

  /** Opens the dialog for a file. */
  open(filename: string) {
    this.filename = filename;
    this._error = '';
    this._comment = '';
    this._progress = null;
    this._busy = false;
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
        <input id="file" type="file" ?disabled=${this._busy} />
        ${this._progress !== null ? html`<progress aria-label="Upload progress" max="1" .value=${this._progress}></progress>` : ''}
        ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : ''}
        <div class="buttons">
          <button type="button" @click=${this._cancel}>Cancel</button>
          <button type="submit" class="primary" ?disabled=${this._busy}>Confirm check-in</button>
        </div>
      </form>
    </dialog>`;
  }

  /** The new version first (when one is chosen), then the check-in. */
  private async _submit(e: Event) {
    e.preventDefault();
    const actions = this.actions;
    if (!actions || this._busy) return;
    const { filename } = this;
    const file = this._file.files?.[0] ?? null;
    this._busy = true;
    this._error = '';
    if (file) {
      this._progress = 0;
      this._upload = actions.upload(filename, file, (f) => (this._progress = f));
      const refused = await this._upload.done;
      this._upload = null;
      if (refused) {
        this._busy = false;
        this._progress = null;
        this._error = refused;
        return;
      }
    }
    this._error = (await actions.checkin(filename, this._comment.trim())) ?? '';
    this._busy = false;
    if (!this._error) this.close();
  }

  // Escape or Cancel: stop an upload in flight, or just close.
  private _cancel(e: Event) {
    e.preventDefault();
    if (this._upload) this._upload.abort();
    else if (!this._busy) this.close();
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
