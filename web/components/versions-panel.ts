import { html } from 'lit';
import { emit } from '../state/dom-events.js';
import { ModalElement } from './modal-element.js';
import { customElement, property, state } from 'lit/decorators.js';
import type { Version } from '../../shared/protocol.js';
import { versionUrl } from '../data/versions-api.js';
import type { BoardActions } from '../data/board-actions.js';
import { formatSize, relativeTime } from './format.js';
import { versionsPanelStyles } from './versions-panel.styles.js';

/** A file's saved versions: number, who, when, size, comment, download, restore (holder only). */
@customElement('versions-panel')
export class VersionsPanel extends ModalElement {
  /** The file shown; '' when closed. */
  @property() filename = '';
  /** Loads the versions and restores one; a restore answers the refusal to show, or null. */
  @property({ attribute: false }) actions: Pick<BoardActions, 'versions' | 'restore' | 'states'> | null = null;

  /** Its versions, newest first (null while loading). */
  @state() private _versions: Version[] | null = null;
  /** Whether the viewer holds the lock (may restore). */
  @state() private _canRestore = false;
  /** A message from the last action. */
  @state() private _error = '';
  /** Released content by sha256: `Released A` (a release records the content it signed off). */
  @state() private _released = new Map<string, string>();


  /** Opens the panel for a file; `canRestore` when the viewer holds its lock. */
  open(filename: string, canRestore: boolean) {
    this.filename = filename;
    this._canRestore = canRestore;
    this._error = '';
    this.showModal();
    void this._load();
  }

  private async _load() {
    const { filename } = this;
    this._versions = null;
    try {
      const [list, states] = await Promise.all([this.actions?.versions(filename) ?? [], this.actions?.states(filename).catch(() => []) ?? []]);
      if (filename !== this.filename) return;
      this._released = new Map(states.flatMap((c) => (c.state === 'released' && c.sha256 ? [[c.sha256, `Released ${c.revision}`] as const] : [])));
      this._versions = list;
    } catch (err) {
      this._versions = [];
      this._error = (err as Error).message;
    }
  }

  private async _restore(number: number) {
    const refused = (await this.actions?.restore(this.filename, number)) ?? null;
    if (refused) this._error = refused;
    else await this._load();
  }


  override render() {
    const list = this._versions;
    return html`<dialog aria-labelledby="t" @close=${() => {
      emit(this, 'dialog-closed', { filenames: [this.filename] });
      this.filename = '';
    }}>
      <h2 id="t">Versions of <span class="file">${this.filename}</span></h2>
      ${list === null ? html`<p>Loading…</p>` : list.length === 0 ? html`<p>No versions yet: history starts at the first check-out or change.</p>` : ''}
      ${list && list.length > 0
        ? html`<table role="table">
            <thead role="rowgroup">
              <tr role="row"><th role="columnheader" scope="col">#</th><th role="columnheader" scope="col">Who</th><th role="columnheader" scope="col">When</th><th role="columnheader" scope="col">Size</th><th role="columnheader" scope="col">Comment</th><th role="columnheader" scope="col"><span class="sr">Actions</span></th></tr>
            </thead>
            <tbody role="rowgroup">
              ${list.map(
                (v, i) => html`<tr role="row">
                  <td role="cell">${v.number}${i === 0 ? html` <small>(current)</small>` : ''}${this._released.has(v.sha256) ? html` <span class="released">${this._released.get(v.sha256)}</span>` : ''}</td>
                  <td role="cell">${v.user ?? '—'}</td>
                  <td role="cell"><time datetime=${v.at} title=${new Date(v.at).toLocaleString()}>${relativeTime(v.at)}</time></td>
                  <td role="cell">${formatSize(v.size_bytes)}</td>
                  <td role="cell" class="comment">${v.comment ?? ''}</td>
                  <td role="cell" class="actions"><div>
                    <a href=${versionUrl(this.filename, v.number)} download aria-label="Download version ${v.number}${this._released.has(v.sha256) ? ` (${this._released.get(v.sha256)})` : ''}">Download</a>
                    ${this._canRestore && i > 0 ? html`<button @click=${() => void this._restore(v.number)} aria-label="Restore version ${v.number}">Restore</button>` : ''}
                  </div></td>
                </tr>`,
              )}
            </tbody>
          </table>`
        : ''}
      ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : ''}
      <div class="buttons"><button @click=${() => this.close()}>Close</button></div>
    </dialog>`;
  }

  static override styles = versionsPanelStyles;
}

declare global {
  interface HTMLElementTagNameMap {
    'versions-panel': VersionsPanel;
  }
}
