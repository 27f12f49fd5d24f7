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

export function emit<T>(from: HTMLElement, type: keyof HTMLElementEventMap, detail: T): void {
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
