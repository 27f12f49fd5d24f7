import { css, html } from 'lit';
import { FormDialog } from './form-dialog.js';
import { customElement, property, query, state } from 'lit/decorators.js';
import type { BoardActions } from '../data/board-actions.js';
import type { Upload } from '../data/versions-api.js';
import { fileList } from './file-list.js';
import { submitOnCtrlEnter } from './dialog-keys.js';
import { baseStyles, dialogStyles } from './theme.js';

/**
 * Check-in of one of your files (a comment, an optional new version to upload first, or `Undo
 * check-out`), or of several at once (a comment for all of them).
 */
@customElement('checkin-dialog')
export class CheckinDialog extends FormDialog {
  /** Uploads, checks in, undoes; each answers the refusal to show, or null. */
  @property({ attribute: false }) actions: Pick<BoardActions, 'checkin' | 'upload' | 'undo'> | null = null;

  /** Upload progress 0..1 while uploading, or null. */
  @state() private _progress: number | null = null;
  private _upload: Upload | null = null;

  @state() private _comment = '';
  @query('input[type=file]') private _file!: HTMLInputElement | null;
  @query('textarea') private _field!: HTMLTextAreaElement;

  /** Opens the dialog for one file or several. */
  open(filenames: string[]) {
    this._comment = '';
    this._progress = null;
    this.openFor(filenames, () => this._field, () => {
      if (this._file) this._file.value = '';
    });
  }


  override render() {
    const several = this.filenames.length > 1;
    return html`<dialog aria-labelledby="t" @cancel=${this._cancel} @close=${this.closed}>
      <form method="dialog" @submit=${this._submit} @keydown=${submitOnCtrlEnter}>
        <h2 id="t">Check in ${several ? `${this.filenames.length} files` : html`<span class="file">${this.filenames[0] ?? ''}</span>`}</h2>
        ${several ? fileList(this.filenames) : ''}
        <label for="comment">Comment</label>
        <textarea id="comment" rows="3" maxlength="2000" placeholder="What changed? (optional)" .value=${this._comment} @input=${(e: Event) => (this._comment = (e.target as HTMLTextAreaElement).value)}></textarea>
        ${several
          ? ''
          : html`<label for="file">New version (optional)</label>
              <input id="file" type="file" ?disabled=${this._busy} />`}
        ${this._progress !== null ? html`<progress aria-label="Upload progress" max="1" .value=${this._progress}></progress>` : ''}
        ${this.refusalLine()}
        <div class="buttons">
          ${several ? '' : html`<button type="button" class="undo" aria-disabled=${this._busy ? 'true' : 'false'} @click=${this._undo} title="Put back the content it had when you checked it out, then release it">Undo check-out</button>`}
          <button type="button" @click=${this._cancel}>Cancel</button>
          <button type="submit" class="primary" aria-disabled=${this._busy ? 'true' : 'false'}>Confirm check-in</button>
        </div>
      </form>
    </dialog>`;
  }

  /** The new version first (when one is chosen), then the check-in. */
  private async _submit(e: Event) {
    e.preventDefault();
    const actions = this.actions;
    if (!actions) return;
    const { filenames } = this;
    const file = this._file?.files?.[0] ?? null;
    const comment = this._comment.trim();
    await this.send(async () => {
      if (file && filenames.length === 1) {
        this._progress = 0;
        this._upload = actions.upload(filenames[0]!, file, (f) => (this._progress = f));
        const refused = await this._upload.done;
        this._upload = null;
        if (refused) {
          this._progress = null;
          return refused;
        }
      }
      return actions.checkin(filenames, comment);
    });
  }

  private async _undo() {
    const actions = this.actions;
    if (actions) await this.send(() => actions.undo(this.filenames[0] ?? ''));
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
      .undo {
        margin-right: auto;
      }
    `,
  ];
}

declare global {
  interface HTMLElementTagNameMap {
    'checkin-dialog': CheckinDialog;
  }
}
