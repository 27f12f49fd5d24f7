import { createRequire } from 'node:module';
import type { AddressInfo, Server } from 'node:net';

const require = createRequire(import.meta.url);

interface PushTestingServer {
  _app: { listen(port: number, host: string, cb: () => void): Server };
  _server: Server;
  setRequestHandlers(): void;
}

/**
 * A local push service (the npm package web-push-testing, in this process, on 127.0.0.1): it
 * hands out subscriptions as a browser's push service would, checks each push's VAPID signature
 * and decrypts its payload (RFC 8291), and answers 410 for a subscription it expired.
 */
export async function startPushService() {
  const { PushApiModel } = require('web-push-testing/src/PushApiModel.js') as { PushApiModel: new () => { notifyUrl: string } };
  const Server = require('web-push-testing/src/server.js') as new (model: unknown, port: number) => PushTestingServer;
  const model = new PushApiModel();
  const s = new Server(model, 1);
  await new Promise<void>((r) => (s._server = s._app.listen(0, '127.0.0.1', r)));
  s.setRequestHandlers();
  const base = `http://127.0.0.1:${(s._server.address() as AddressInfo).port}`;
  model.notifyUrl = `${base}/notify/`;
  const post = async (path: string, body: unknown) => {
    const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return (await res.json().catch(() => ({}))) as { data?: unknown };
  };
  return {
    /** Its origin, for the server's test-only `pushServices`. */
    origin: base,
    /** A browser's subscription for `applicationServerKey`, as `PushSubscription.toJSON()` gives it, and its client hash. */
    async subscribe(applicationServerKey: string) {
      const { data } = (await post('/subscribe', { applicationServerKey, userVisibleOnly: 'true' })) as { data: { endpoint: string; keys: { p256dh: string; auth: string }; clientHash: string } };
      return { subscription: { endpoint: data.endpoint, keys: data.keys }, clientHash: data.clientHash };
    },
    /** The decrypted payloads the service got for a subscription. */
    async messages(clientHash: string): Promise<string[]> {
      const { data } = (await post('/get-notifications', { clientHash })) as { data?: { messages: string[] } };
      return data?.messages ?? [];
    },
    expire: (clientHash: string) => post(`/expire-subscription/${clientHash}`, {}),
    close: () => new Promise<void>((r) => s._server.close(() => r())),
  };
}
