import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { api, eventually, startServer, type TestServer } from '../support/server.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';
import { startPushService } from '../support/push-service.js';

describe('Web Push (CONTRACT §19)', () => {
  let vault: TempVault;
  let server: TestServer | null = null;
  let push: Awaited<ReturnType<typeof startPushService>>;
  afterEach(async () => {
    await server?.close();
    server = null;
    await push.close();
    await vault.cleanup();
  });

  it('VAPID keys made once in --keys; a subscribed browser gets its personal notices, signed and encrypted, even with no page open; an expired subscription (410) is dropped', async () => {
    vault = await makeVault();
    push = await startPushService();
    server = await startServer(vault, { push: true, publicUrl: 'http://cam-server:8080', admins: ['carol'], pushServices: [push.origin] });
    const alice = (await api(server.url, '/api/notifications?user=alice')).body;
    expect(alice.push_key).toMatch(/^[A-Za-z0-9_-]{80,}$/);
    expect(JSON.parse(await readFile(join(vault.keysDir, 'vapid.json'), 'utf8')).publicKey).toBe(alice.push_key);
    const browser = await push.subscribe(alice.push_key);
    const subscribed = await api(server.url, '/api/notifications/push', { json: { user: 'alice', subscription: browser.subscription } });
    expect(subscribed.status).toBe(200);
    expect(subscribed.body.push_subscriptions).toBe(1);

    await api(server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice' } });
    await api(server.url, '/api/files/wait', { json: { filename: 'PN1001.mcam', user: 'bob' } });
    await api(server.url, '/api/files/nudge', { json: { filename: 'PN1001.mcam', user: 'bob', message: 'setup sheet waits' } });
    await api(server.url, '/api/files/checkin', { json: { filename: 'PN1001.mcam', user: 'carol', force: true, reason: 'shift change' } });
    const got = await eventually(async () => {
      const m = await push.messages(browser.clientHash);
      return m.length >= 2 ? m : null;
    }, 15_000, 'two pushes');
    const notices = got.map((m) => JSON.parse(m) as { kind: string; title: string; body: string; url: string; filename: string });
    expect(notices.map((n) => n.kind)).toEqual(['nudge', 'forced']);
    expect(notices[0]).toMatchObject({ title: 'bob asks you to release PN1001.mcam', body: 'setup sheet waits', url: 'http://cam-server:8080/?file=PN1001.mcam', filename: 'PN1001.mcam' });
    expect(notices[1]!.title).toBe('carol force-released PN1001.mcam');

    // A restart keeps the same keys (browsers stay subscribed).
    await server.close();
    server = await startServer(vault, { push: true, pushServices: [push.origin] });
    expect((await api(server.url, '/api/notifications?user=alice')).body.push_key).toBe(alice.push_key);

    // The browser unsubscribed at its push service: the next push answers 410 and the subscription goes.
    await push.expire(browser.clientHash);
    await api(server.url, '/api/files/checkout', { json: { filename: 'PN1002.mcam', user: 'alice' } });
    await api(server.url, '/api/files/nudge', { json: { filename: 'PN1002.mcam', user: 'bob' } });
    await eventually(async () => (await api(server!.url, '/api/notifications?user=alice')).body.push_subscriptions === 0, 15_000, 'the expired subscription dropped');
  });

  it('reminders come by push too: a hold longer than --remind-after, once a day (an injected clock)', async () => {
    vault = await makeVault();
    push = await startPushService();
    let now = Date.now();
    server = await startServer(vault, { push: true, pushServices: [push.origin], notifyClock: () => now });
    const key = (await api(server.url, '/api/notifications?user=alice')).body.push_key as string;
    const browser = await push.subscribe(key);
    await api(server.url, '/api/notifications/push', { json: { user: 'alice', subscription: browser.subscription } });
    await api(server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice' } });
    now += 4 * 86_400_000;
    await server.app.notifier.reminders.tick();
    await server.app.notifier.reminders.tick();
    const got = (await push.messages(browser.clientHash)).map((m) => JSON.parse(m) as { kind: string; title: string });
    expect(got).toEqual([expect.objectContaining({ kind: 'reminder', title: 'PN1001.mcam is still checked out to you' })]);
  });

  it('switches: push of a kind turned off is not sent; bad subscriptions are refused with 400', async () => {
    vault = await makeVault();
    push = await startPushService();
    server = await startServer(vault, { push: true, admins: ['carol'], pushServices: [push.origin] });
    const key = (await api(server.url, '/api/notifications?user=alice')).body.push_key as string;
    const browser = await push.subscribe(key);
    await api(server.url, '/api/notifications/push', { json: { user: 'alice', subscription: browser.subscription } });
    expect((await api(server.url, '/api/notifications', { method: 'PUT', json: { user: 'alice', settings: { push: { nudge: false } } } })).body.settings.push).toMatchObject({ nudge: false, forced: true });
    for (const bad of [{ user: 'alice' }, { user: 'alice', subscription: { endpoint: 'file:///etc/passwd', keys: { p256dh: 'x', auth: 'y' } } }, { user: 'alice', subscription: { endpoint: 'https://push.example/x', keys: { p256dh: 'x'.repeat(300), auth: 'y' } } }, { user: 'alice', subscription: { endpoint: 'https://intranet.shop.local/admin', keys: { p256dh: 'x', auth: 'y' } } }, { user: 'alice', subscription: { endpoint: 'http://fcm.googleapis.com/fcm/send/x', keys: { p256dh: 'x', auth: 'y' } } }, { user: 'alice', settings: { push: { everything: true } } }]) {
      const path = 'settings' in bad ? '/api/notifications' : '/api/notifications/push';
      const res = await api(server.url, path, { method: 'settings' in bad ? 'PUT' : 'POST', json: bad });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('INVALID_REQUEST');
    }
    await api(server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice' } });
    await api(server.url, '/api/files/nudge', { json: { filename: 'PN1001.mcam', user: 'bob' } });
    await api(server.url, '/api/files/checkin', { json: { filename: 'PN1001.mcam', user: 'carol', force: true } });
    const got = await eventually(async () => {
      const m = await push.messages(browser.clientHash);
      return m.length >= 1 ? m : null;
    }, 15_000, 'the forced-release push');
    expect(got.map((m) => (JSON.parse(m) as { kind: string }).kind)).toEqual(['forced']);
  });
});
