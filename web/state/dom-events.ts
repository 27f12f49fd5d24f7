/** Intent sent up from leaf components to <pdm-app>, which owns the connection. */
export interface CheckoutRequest {
  filename: string;
}
export interface CheckinRequest {
  filename: string;
  force: boolean;
}
export interface CheckoutConfirm {
  filename: string;
  message: string;
}
export interface NameSubmit {
  name: string;
}
export interface CheckinConfirm {
  filename: string;
  comment: string;
  file: File | null;
}
export interface VersionRestore {
  filename: string;
  number: number;
}
export interface SignIn {
  user: string;
  password: string;
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
    'checkout-confirm': CustomEvent<CheckoutConfirm>;
    'name-submit': CustomEvent<NameSubmit>;
    'name-change-request': CustomEvent<null>;
    'sign-in': CustomEvent<SignIn>;
    'checkin-confirm': CustomEvent<CheckinConfirm>;
    'upload-cancel': CustomEvent<{ filename: string }>;
    'versions-request': CustomEvent<{ filename: string }>;
    'version-restore': CustomEvent<VersionRestore>;
    'sign-out-request': CustomEvent<null>;
    'notice-dismiss': CustomEvent<{ id: number }>;
  }
}
