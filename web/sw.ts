/**
 * The service worker (CONTRACT §19): shows a personal notice that arrives by Web Push when no
 * PDM Live page is in view (a page in view shows it itself), and opens the page at the file when
 * the notice is clicked. Built to /sw.js, so its scope is the whole page.
 */
import type { Notice } from '../shared/notify.js';

/** What the server pushes (server/notify/push-sender.ts). */
type PushPayload = Notice & { url: string };

/** The parts of the worker's scope used here (the DOM library has no ServiceWorkerGlobalScope). */
interface ExtendableEvent extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface PushEvent extends ExtendableEvent {
  data: { json(): unknown } | null;
}
interface NotificationClickEvent extends ExtendableEvent {
  notification: Notification;
}
interface WindowClientLike {
  url: string;
  visibilityState: DocumentVisibilityState;
  focus(): Promise<unknown>;
  navigate(url: string): Promise<unknown>;
}
interface WorkerScope {
  registration: ServiceWorkerRegistration;
  clients: { matchAll(o: { type: 'window'; includeUncontrolled: boolean }): Promise<WindowClientLike[]>; openWindow(url: string): Promise<unknown> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'push', f: (e: PushEvent) => void): void;
  addEventListener(type: 'notificationclick', f: (e: NotificationClickEvent) => void): void;
  addEventListener(type: 'install', f: (e: ExtendableEvent) => void): void;
}

const sw = self as unknown as WorkerScope;

function payloadOf(e: PushEvent): PushPayload | null {
  try {
    const p = e.data?.json() as Partial<PushPayload> | undefined;
    return p && typeof p.title === 'string' && typeof p.url === 'string' ? (p as PushPayload) : null;
  } catch {
    return null;
  }
}

sw.addEventListener('install', (e) => e.waitUntil(sw.skipWaiting()));

sw.addEventListener('push', (e) => {
  const p = payloadOf(e);
  if (!p) return;
  e.waitUntil(
    (async () => {
      const windows = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
      if (windows.some((w) => w.visibilityState === 'visible')) return;
      await sw.registration.showNotification(p.title, { body: p.body, tag: `${p.kind}:${p.filename}`, data: { url: p.url } });
    })(),
  );
});

sw.addEventListener('notificationclick', (e) => {
  e.notification.close();
  const url = (e.notification.data as { url?: string } | null)?.url ?? '/';
  e.waitUntil(
    (async () => {
      const same = (await sw.clients.matchAll({ type: 'window', includeUncontrolled: true }))[0];
      if (same) {
        await same.navigate(url);
        await same.focus();
      } else await sw.clients.openWindow(url);
    })(),
  );
});
