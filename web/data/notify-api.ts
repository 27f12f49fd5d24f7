import type { NotificationsBody, NoticeChannel, NoticeKind } from '../../shared/notify.js';
import { callerHeaders, getJson, refusalOf } from './http-api.js';

/** The Notifications panel's requests (CONTRACT §19); `user` names the caller in open mode. */
export interface NotifyApi {
  get(): Promise<NotificationsBody>;
  set(channel: NoticeChannel, kind: NoticeKind, on: boolean): Promise<NotificationsBody>;
  /** Registers the service worker, asks for permission and subscribes this browser. */
  subscribeBrowser(pushKey: string): Promise<NotificationsBody>;
}

async function send(method: string, path: string, user: string | null, body: Record<string, unknown>): Promise<NotificationsBody> {
  const res = await fetch(path, { method, headers: { 'content-type': 'application/json', ...callerHeaders(user) }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(await refusalOf(res));
  return (await res.json()) as NotificationsBody;
}

/** The base64url VAPID key as the bytes `pushManager.subscribe` takes. */
function keyBytes(key: string): Uint8Array<ArrayBuffer> {
  const bin = atob(key.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (key.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** Whether this browser can get pushes at all (a secure context with service workers and the Push API). */
export function pushSupported(): boolean {
  return window.isSecureContext && 'serviceWorker' in navigator && 'PushManager' in window && typeof Notification !== 'undefined';
}

export function notifyApi(user: () => string | null): NotifyApi {
  return {
    get: () => getJson<NotificationsBody>('/api/notifications', callerHeaders(user())),
    set: (channel, kind, on) => send('PUT', '/api/notifications', user(), { settings: { [channel]: { [kind]: on } } }),
    async subscribeBrowser(pushKey) {
      if (!pushSupported()) throw new Error('This browser cannot get notifications with the tab closed (it needs HTTPS, or localhost, and a browser with Web Push).');
      const registration = await navigator.serviceWorker.register('/sw.js');
      if ((await Notification.requestPermission()) !== 'granted') throw new Error('Notifications are blocked for this page: allow them in the browser\'s site settings.');
      await navigator.serviceWorker.ready;
      let sub: PushSubscription;
      try {
        sub = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(pushKey) });
      } catch (err) {
        throw new Error(`This browser could not subscribe with its push service: ${(err as Error).message}`, { cause: err });
      }
      return send('POST', '/api/notifications/push', user(), { subscription: sub.toJSON() });
    },
  };
}
