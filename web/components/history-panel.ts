import { html } from 'lit';
import { emit } from '../state/dom-events.js';
import { ModalElement } from './modal-element.js';
import { customElement, property, state } from 'lit/decorators.js';
import type { HistoryBody, StateRecord } from '../../shared/protocol.js';
import { stateText } from './release-state.js';
import type { BoardActions } from '../data/board-actions.js';
import { formatSeconds, localTime } from '../../shared/durations.js';
import { versionsPanelStyles } from './versions-panel.styles.js';

const ENDED: Record<string, string> = {
  checkin: 'checked in',
  force_release: 'force-released',
  undo_checkout: 'check-out undone',
  handoff: 'handed over',
  disk: 'changed in locks.json',
};

const held = (seconds: number | null) => (seconds === null ? '—' : formatSeconds(seconds));

/** A file's past holds: who, from when to when, how long, how it ended; with the statistics line. */
@customElement('history-panel')
export class HistoryPanel extends ModalElement {
  /** The file shown; '' when closed. */
  @property() filename = '';
  @property({ attribute: false }) actions: Pick<BoardActions, 'history' | 'states'> | null = null;

  /** Null while loading. */
  @state() private _history: HistoryBody | null = null;
  @state() private _error = '';
  /** Its release state changes, newest first (null while loading). */
  @state() private _states: StateRecord[] | null = null;

  open(filename: string) {
    this.filename = filename;
    this._error = '';
    this._history = null;
    this._states = null;
    this.showModal();
    void this._load(filename);
  }

  private async _load(filename: string) {
    try {
      const [h, states] = await Promise.all([this.actions?.history(filename) ?? null, this.actions?.states(filename) ?? null]);
      if (filename !== this.filename) return;
      this._history = h;
      this._states = states;
    } catch (err) {
      this._error = (err as Error).message;
    }
  }


  override render() {
    const h = this._history;
    const s = h?.stats;
    return html`<dialog aria-labelledby="t" @close=${() => {
      emit(this, 'dialog-closed', { filenames: [this.filename] });
      this.filename = '';
    }}>
      <h2 id="t">History of <span class="file">${this.filename}</span></h2>
      ${!h && !this._error ? html`<p>Loading…</p>` : ''}
      ${s
        ? html`<p class="stats">
            ${s.holds === 0 ? 'Never checked out.' : `${s.holds} hold${s.holds === 1 ? '' : 's'}; median ${held(s.median_hold_s)}, 90% within ${held(s.p90_hold_s)}, longest ${held(s.longest_hold_s)}. `}
            ${Object.entries(s.holders)
              .sort((a, b) => b[1] - a[1])
              .map(([u, n]) => `${u} ${n}`)
              .join(', ')}
          </p>`
        : ''}
      ${h && h.holds.length > 0
        ? html`<table role="table">
            <thead role="rowgroup">
              <tr role="row"><th role="columnheader" scope="col">Who</th><th role="columnheader" scope="col">From</th><th role="columnheader" scope="col">Held for</th><th role="columnheader" scope="col">Ended</th><th role="columnheader" scope="col">Message</th><th role="columnheader" scope="col">Comment</th></tr>
            </thead>
            <tbody role="rowgroup">
              ${h.holds.map(
                (x) => html`<tr role="row">
                  <td role="cell">${x.user}</td>
                  <td role="cell"><time datetime=${x.from} title=${new Date(x.from).toLocaleString()}>${new Date(x.from).toLocaleString()}</time></td>
                  <td role="cell">${formatSeconds(((x.to ? Date.parse(x.to) : Date.now()) - Date.parse(x.from)) / 1000)}</td>
                  <td role="cell">${x.ended ? ENDED[x.ended] : 'holds it now'}</td>
                  <td role="cell" class="comment">${x.message ?? ''}${x.until ? html` <span class="until">(until ${localTime(x.until)})</span>` : ''}</td>
                  <td role="cell" class="comment">${x.comment ?? ''}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
        : ''}
      ${this._states && this._states.length > 0
        ? html`<h3>Release states</h3>
            <table role="table">
              <thead role="rowgroup">
                <tr role="row"><th role="columnheader" scope="col">State</th><th role="columnheader" scope="col">Who</th><th role="columnheader" scope="col">When</th><th role="columnheader" scope="col">Comment</th></tr>
              </thead>
              <tbody role="rowgroup">
                ${this._states.map(
                  (c) => html`<tr role="row">
                    <td role="cell">${stateText(c)}</td>
                    <td role="cell">${c.by}</td>
                    <td role="cell"><time datetime=${c.at}>${new Date(c.at).toLocaleString()}</time></td>
                    <td role="cell" class="comment">${c.comment ?? ''}</td>
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
    'history-panel': HistoryPanel;
  }
}
