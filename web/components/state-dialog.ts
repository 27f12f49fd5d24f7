import { html } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import type { ReleaseState } from '../../shared/protocol.js';
import type { BoardActions } from '../data/board-actions.js';
import { submitOnCtrlEnter } from './dialog-keys.js';
import { FormDialog } from './form-dialog.js';
import { needsComment } from './release-state.js';
import { baseStyles, dialogStyles } from './theme.js';

const TITLES: Record<ReleaseState, string> = { proven: 'Mark proven', released: 'Release', obsolete: 'Make obsolete', draft: 'Back to draft' };
const HINTS: Record<ReleaseState, string> = {
  proven: 'It ran on the machine as it is now.',
  released: 'Safe to run: it is signed off and never changed in place (checking it out starts the next revision).',
  obsolete: 'Retired: it stays read-only, and checking it out starts the next revision.',
  draft: 'It can be worked on again as a draft.',
};

/** Changes a file's release state: a comment where one is needed, the password again to release in users mode. */
@customElement('state-dialog')
export class StateDialog extends FormDialog {
  @property({ attribute: false }) actions: Pick<BoardActions, 'setState'> | null = null;
  /** Users mode: a release is signed with the password. */
  @property({ type: Boolean }) signs = false;
  @state() private _to: ReleaseState = 'proven';
  /** `Released A` as it is now, for the heading. */
  @state() private _now = '';
  @state() private _comment = '';
  @state() private _password = '';
  @query('textarea') private _field!: HTMLTextAreaElement | null;

  open(filename: string, to: ReleaseState, now: string) {
    this._to = to;
    this._now = now;
    this._comment = '';
    this._password = '';
    this.openFor([filename], () => this._field ?? this._dialog?.querySelector<HTMLButtonElement>('button.primary'));
  }

  override render() {
    const to = this._to;
    const password = this.signs && to === 'released';
    // The form exists only while open: its Comment and Password must not be found beside the
    // check-in dialog's (which is always there) by label.
    if (this.filenames.length === 0) return html`<dialog aria-labelledby="t"><h2 id="t">Release state</h2></dialog>`;
    return html`<dialog aria-labelledby="t" @close=${this.closed}>
      <form method="dialog" @submit=${this._submit} @keydown=${submitOnCtrlEnter}>
        <h2 id="t">${TITLES[to]} <span class="file">${this.filenames[0] ?? ''}</span></h2>
        <p>Now ${this._now}. ${HINTS[to]}</p>
        <label for="comment">Comment</label>
        <textarea id="comment" rows="3" maxlength="2000" ?required=${needsComment(to)} placeholder=${needsComment(to) ? 'Why (required)' : 'Optional'} .value=${this._comment} @input=${(e: Event) => (this._comment = (e.target as HTMLTextAreaElement).value)}></textarea>
        ${password
          ? html`<label for="password">Password</label>
              <input id="password" type="password" autocomplete="current-password" required aria-describedby="password-hint" .value=${this._password} @input=${(e: Event) => (this._password = (e.target as HTMLInputElement).value)} />
              <small id="password-hint">Your password again signs the release.</small>`
          : ''}
        ${this.refusalLine()}
        <div class="buttons">
          <button type="button" @click=${() => this.close()}>Cancel</button>
          <button type="submit" class="primary" ?disabled=${(needsComment(to) && !this._comment.trim()) || (password && !this._password)} aria-disabled=${this._busy ? 'true' : 'false'}>Confirm</button>
        </div>
      </form>
    </dialog>`;
  }

  private async _submit(e: Event) {
    e.preventDefault();
    const actions = this.actions;
    if (!actions) return;
    await this.send(() => actions.setState(this.filenames[0] ?? '', this._to, this._comment.trim(), this._password));
  }

  static override styles = [baseStyles, dialogStyles];
}

declare global {
  interface HTMLElementTagNameMap {
    'state-dialog': StateDialog;
  }
}
