/**
 * The browser's Notification API for the three personal events (handed over to you, asked to
 * release, force-released). Permission is asked only after a click on `Allow notifications` (in the Notifications panel),
 * never on load; without it (or without the API) the page's own notice is all there is.
 */
const supported = () => typeof Notification !== 'undefined';

export function canAskToNotify(): boolean {
  return supported() && Notification.permission === 'default';
}

export async function askToNotify(): Promise<void> {
  if (canAskToNotify()) await Notification.requestPermission();
}

export function notifyBrowser(text: string): void {
  if (!supported() || Notification.permission !== 'granted') return;
  try {
    new Notification('PDM Live', { body: text, tag: text });
  } catch {
    // Some browsers allow notifications only from a service worker: the page's notice remains.
  }
}
