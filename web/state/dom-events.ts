import type { ReleaseState } from '../../shared/protocol.js';

/** Intent sent up from leaf components to <pdm-app>, which owns the connection. */

/**
 * Which dialog to open, and about what: the one event every dialog is opened by (<pdm-app> owns
 * the dialogs and gives each what it needs from the board).
 */
export type ShowDialog =
  /** One file, or several at once (all or nothing); `wait`: join a held file's queue instead. */
  | { dialog: 'checkout'; filenames: string[]; wait?: boolean }
  /** One of your files, or several of them at once. */
  | { dialog: 'checkin'; filenames: string[] }
  /** An admin asks to force the release of someone else's lock (the dialog asks why). */
  | { dialog: 'force'; filename: string }
  | { dialog: 'versions'; filename: string }
  | { dialog: 'history'; filename: string }
  /** Give a file the next release state (`to`). */
  | { dialog: 'state'; filename: string; to: ReleaseState }
  /** Open mode: change the name you go by. */
  | { dialog: 'name' }
  /** What you are told, and where (push, mail). */
  | { dialog: 'notifications' };

export interface NameSubmit {
  name: string;
}

/** The `detail` that an event of the map carries. */
export type DetailOf<K extends keyof HTMLElementEventMap> = HTMLElementEventMap[K] extends CustomEvent<infer D> ? D : never;

/** Dispatches one of the app's events (bubbling, across shadow roots), its detail checked against the map. */
export function emit<K extends keyof HTMLElementEventMap>(from: HTMLElement, type: K, detail: DetailOf<K>): void {
  from.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}

declare global {
  interface HTMLElementEventMap {
    'show-dialog': CustomEvent<ShowDialog>;
    'name-submit': CustomEvent<NameSubmit>;
    'copy-path-request': CustomEvent<{ filename: string }>;
    /** Leave the queue of a file someone else holds (joining it goes through its dialog). */
    'leave-queue-request': CustomEvent<{ filename: string }>;
    'nudge-request': CustomEvent<{ filename: string }>;
    'sign-out-request': CustomEvent<null>;
    'notice-dismiss': CustomEvent<{ id: number }>;
    /** A dialog about these files closed: focus goes back to their row if it was lost. */
    'dialog-closed': CustomEvent<{ filenames: string[] }>;
  }
}
