import { LitElement } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import type { LocksMap } from '../../shared/protocol.js';
import { lockKey } from '../state/refusal.js';

/**
 * A component whose template is one `<dialog>`: shown as a modal once rendered (the dialog may
 * not exist before the first render), and closed safely at any time.
 */
export abstract class ModalElement extends LitElement {
  @query('dialog') protected _dialog!: HTMLDialogElement | null;

  /** Shows the dialog after the next render, then focuses what `focus` names (a field, say). */
  protected showModal(focus?: () => HTMLElement | null | undefined, before?: () => void): void {
    void this.updateComplete.then(() => {
      before?.();
      if (this._dialog && !this._dialog.open) this._dialog.showModal();
      focus?.()?.focus();
    });
  }

  close(): void {
    if (this._dialog?.open) this._dialog.close();
  }

  /** The board's locks as they are now (from the root), so a refusal can go when it no longer holds. */
  @property({ attribute: false }) locks: LocksMap = {};
  /** The board's change count: the store changes `locks` in place, so this is what re-renders. */
  @property({ type: Number }) board = 0;
  /** The server's refusal, and the locks of the files it was about when it came. */
  @state() private _refusal: { text: string; key: string } | null = null;

  private keyOf(files: readonly string[]): string {
    return files.map((f) => lockKey(this.locks[f])).join('\u0001');
  }

  /** Shows `text` ('' for none) until the lock of one of `files` changes hands or is released. */
  protected refuse(text: string, files: readonly string[]): void {
    this._refusal = text ? { text, key: this.keyOf(files) } : null;
  }

  /** The refusal to show now: '' when there is none or it no longer holds. */
  protected refusal(files: readonly string[]): string {
    return this._refusal && this._refusal.key === this.keyOf(files) ? this._refusal.text : '';
  }
}
