import { html, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { emit } from '../state/dom-events.js';
import { ModalElement } from './modal-element.js';

/**
 * A dialog whose form sends one request about some files, and owns that request's state: busy
 * while it is in flight (a second submit is ignored), the server's refusal shown in place until
 * the lock it was about changes, closed once done. Closing tells the page which files it was
 * about, so focus can go back to their row.
 */
export abstract class FormDialog extends ModalElement {
  /** The files the dialog is about; empty when closed. */
  @property({ attribute: false }) filenames: string[] = [];
  /** True while the request is in flight. */
  @state() protected _busy = false;

  /** Opens about `filenames` with no refusal shown; `focus` names the field to start in. */
  protected openFor(filenames: string[], focus: () => HTMLElement | null | undefined, before?: () => void): void {
    this.filenames = filenames;
    this.refuse('', filenames);
    this._busy = false;
    this.showModal(focus, before);
  }

  /**
   * Sends the request (answering the refusal to show, or null) unless one is in flight; closes on
   * success. Answers whether it was done.
   */
  protected async send(request: () => Promise<string | null>): Promise<boolean> {
    if (this._busy) return false;
    this._busy = true;
    this.refuse('', this.filenames);
    try {
      const refused = (await request()) ?? '';
      this.refuse(refused, this.filenames);
      if (!refused) this.close();
      return !refused;
    } finally {
      this._busy = false;
    }
  }

  /** The dialog's `@close`: tells the page, and forgets the files. */
  protected readonly closed = (): void => {
    emit(this, 'dialog-closed', { filenames: this.filenames });
    this.filenames = [];
  };

  /** The refusal as the form shows it, or nothing. */
  protected refusalLine(): TemplateResult | '' {
    const text = this.refusal(this.filenames);
    return text ? html`<p class="error" role="alert">${text}</p>` : '';
  }
}
