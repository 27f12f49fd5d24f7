/** Intent sent up from leaf components to <pdm-app>, which owns the connection. */
/** One file, or several at once (all or nothing). */
export interface CheckoutRequest {
  filenames: string[];
}
/** One of your files, or several of them at once. */
export interface CheckinRequest {
  filenames: string[];
}
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
    'checkout-request': CustomEvent<CheckoutRequest>;
    'checkin-request': CustomEvent<CheckinRequest>;
    'name-submit': CustomEvent<NameSubmit>;
    'versions-request': CustomEvent<{ filename: string }>;
    'history-request': CustomEvent<{ filename: string }>;
    'copy-path-request': CustomEvent<{ filename: string }>;
    /** An admin asks to force the release of someone else's lock (a dialog asks why). */
    'force-request': CustomEvent<{ filename: string }>;
    /** Join (`join: true`) or leave the queue of a file someone else holds. */
    'wait-request': CustomEvent<{ filename: string; join: boolean }>;
    'nudge-request': CustomEvent<{ filename: string }>;
    'sign-out-request': CustomEvent<null>;
    'notice-dismiss': CustomEvent<{ id: number }>;
    /** A dialog about these files closed: focus goes back to their row if it was lost. */
    'dialog-closed': CustomEvent<{ filenames: string[] }>;
  }
}
