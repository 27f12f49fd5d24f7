import { LitElement, css, html } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import type { Version } from '../../shared/protocol.js';
import { versionUrl } from '../data/versions-api.js';
import { emit } from '../state/dom-events.js';
import { formatSize, relativeTime } from './format.js';
import { baseStyles, dialogStyles } from './theme.js';

/** A file's saved versions: number, who, when, size, comment, download, restore (holder only). */
@customElement('versions-panel')
export class VersionsPanel extends LitElement {
  /** The file shown; '' when closed. */
  @property() filename = '';
  /** Its versions, newest first (null while loading). */
  @property({ attribute: false }) versions: Version[] | null = null;
  /** Whether the viewer holds the lock (may restore). */
  @property({ type: Boolean }) canRestore = false;
  /** A message from the last action. */
  @property() error = '';

  @query('dialog') private _dialog!: HTMLDialogElement;

  open(filename: string) {
    this.filename = filename;
    this.versions = null;
    this.error = '';
    void this.updateComplete.then(() => !this._dialog.open && this._dialog.showModal());
  }

  close() {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- close() may come before the first render
    if (this._dialog?.open) this._dialog.close();
  }

  override render() {
    const list = this.versions;
    return html`<dialog aria-labelledby="t" @close=${() => (this.filename = '')}>
      <h2 id="t">Versions of <span class="file">${this.filename}</span></h2>
      ${list === null ? html`<p>Loading…</p>` : list.length === 0 ? html`<p>No versions yet: history starts at the first check-out or change.</p>` : ''}
      ${list && list.length > 0
        ? html`<table>
            <thead>
              <tr><th scope="col">#</th><th scope="col">Who</th><th scope="col">When</th><th scope="col">Size</th><th scope="col">Comment</th><th scope="col"><span class="sr">Actions</span></th></tr>
            </thead>
            <tbody>
              ${list.map(
                (v, i) => html`<tr>
                  <td>${v.number}${i === 0 ? html` <small>(current)</small>` : ''}</td>
                  <td>${v.user ?? '—'}</td>
                  <td><time datetime=${v.at} title=${new Date(v.at).toLocaleString()}>${relativeTime(v.at)}</time></td>
                  <td>${formatSize(v.size_bytes)}</td>
                  <td>${v.comment ?? ''}</td>
                  <td class="actions">
                    <a href=${versionUrl(this.filename, v.number)} download aria-label="Download version ${v.number}">Download</a>
                    ${this.canRestore && i > 0 ? html`<button @click=${() => emit(this, 'version-restore', { filename: this.filename, number: v.number })} aria-label="Restore version ${v.number}">Restore</button>` : ''}
                  </td>
                </tr>`,
              )}
            </tbody>
          </table>`
        : ''}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      <div class="buttons"><button @click=${() => this.close()}>Close</button></div>
    </dialog>`;
  }

  static override styles = [
    baseStyles,
    dialogStyles,
    css`
      dialog {
        width: min(44rem, calc(100vw - 2rem));
      }
      h2 {
        margin: 0 0 0.6rem;
      }
      table {
        width: 100%;
        border-collapse: collapse;
        font-size: 0.9rem;
      }
      th,
      td {
        text-align: left;
        padding: 0.3rem 0.4rem;
        border-bottom: 1px solid var(--border);
      }
      .actions {
        display: flex;
        gap: 0.5rem;
        align-items: center;
      }
      .sr {
        position: absolute;
        width: 1px;
        height: 1px;
        overflow: hidden;
        clip: rect(0 0 0 0);
      }
      .buttons {
        margin-top: 0.6rem;
      }
    `,
  ];
}

declare global {
  interface HTMLElementTagNameMap {
    'versions-panel': VersionsPanel;
  }
}
