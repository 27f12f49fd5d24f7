import { LitElement } from 'lit';
import { query } from 'lit/decorators.js';

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
}
