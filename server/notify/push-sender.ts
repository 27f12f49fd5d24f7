import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import webpush from 'web-push';
import type { Notice } from '../../shared/notify.js';
import { writeFileAtomic } from '../storage/durable-files.js';
import { secureKeysFolder } from '../auth/signing-key.js';
import type { StoredSubscription } from './notice-people.js';

/** One push's limit: a push service that hangs counts as a failure. */
const PUSH_TIMEOUT_MS = 10_000;
/** How long a push service keeps a notice for a browser that is offline (a day). */
const PUSH_TTL_S = 86_400;

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/**
 * The VAPID key pair in `--keys` (vapid.json), made at first start. Servers sharing a data folder
 * push to one person's browsers only with the key the browser subscribed with: copy vapid.json to
 * each server's keys folder (docs/deploy.md).
 */
export async function loadVapidKeys(keysDir: string): Promise<VapidKeys> {
  const file = join(keysDir, 'vapid.json');
  try {
    const k = JSON.parse(await readFile(file, 'utf8')) as Partial<VapidKeys>;
    if (typeof k.publicKey === 'string' && typeof k.privateKey === 'string' && k.publicKey.length > 40) return { publicKey: k.publicKey, privateKey: k.privateKey };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file} cannot be read (${(err as Error).message}): fix it or remove it to make new keys`, { cause: err });
  }
  await secureKeysFolder(keysDir);
  const keys = webpush.generateVAPIDKeys();
  await writeFileAtomic(file, JSON.stringify(keys, null, 2) + '\n', { mode: 0o600 });
  return keys;
}

/** What the service worker gets: the notice and where a click takes the person. */
export interface PushPayload extends Notice {
  url: string;
}

export type PushResult = 'sent' | 'gone' | 'failed';

/**
 * The browsers' push services (Chrome and Edge's FCM, Firefox's autopush, Windows' WNS, Safari's
 * APNs): a subscription's endpoint must be on one of them, over HTTPS, so nobody can make the
 * server POST to an address of their choosing (an internal service, say).
 */
export const PUSH_SERVICES: readonly string[] = ['fcm.googleapis.com', 'push.services.mozilla.com', 'notify.windows.com', 'push.apple.com'];

/** Whether `endpoint` is a push service of `services` (`http://host:port` entries, for tests, allow that origin exactly). */
export function isPushService(endpoint: string, services: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  return services.some((s) => (s.includes('://') ? url.origin === new URL(s).origin : url.protocol === 'https:' && (url.hostname === s || url.hostname.endsWith(`.${s}`))));
}

/**
 * Sends one encrypted push (RFC 8291, aes128gcm, VAPID). The request is made here with fetch
 * rather than by web-push's sendNotification, which speaks HTTPS only: push services are HTTPS,
 * but the local push service the tests start is plain HTTP. 404 and 410 mean the subscription is
 * gone (the caller drops it).
 */
export async function sendPush(keys: VapidKeys, subject: string, sub: StoredSubscription, payload: PushPayload): Promise<PushResult> {
  let details: webpush.RequestDetails;
  try {
    details = webpush.generateRequestDetails({ endpoint: sub.endpoint, keys: sub.keys }, JSON.stringify(payload), {
      vapidDetails: { subject, publicKey: keys.publicKey, privateKey: keys.privateKey },
      TTL: PUSH_TTL_S,
      contentEncoding: 'aes128gcm',
    });
  } catch {
    return 'gone'; // keys a browser could never decrypt with
  }
  try {
    const res = await fetch(details.endpoint, { method: details.method, headers: details.headers as Record<string, string>, body: details.body ?? null, signal: AbortSignal.timeout(PUSH_TIMEOUT_MS), redirect: 'manual' });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status === 404 || res.status === 410) return 'gone';
    return res.ok ? 'sent' : 'failed';
  } catch {
    return 'failed';
  }
}
