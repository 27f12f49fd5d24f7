/** Intent sent up from leaf components to <pdm-app>, which owns the connection. */
export interface CheckoutRequest {
  filename: string;
}
export interface CheckinRequest {
  filename: string;
  force: boolean;
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
    'name-change-request': CustomEvent<null>;
    'versions-request': CustomEvent<{ filename: string }>;
    /** Join (`join: true`) or leave the queue of a file someone else holds. */
    'wait-request': CustomEvent<{ filename: string; join: boolean }>;
    'nudge-request': CustomEvent<{ filename: string }>;
    'sign-out-request': CustomEvent<null>;
    'notice-dismiss': CustomEvent<{ id: number }>;
  }
}
