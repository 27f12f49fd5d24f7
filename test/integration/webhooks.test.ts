import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { api, eventually, startServer, type TestServer } from '../support/server.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';

/** A webhook receiver on loopback: what it got, and whether it answers 500 for now. */
async function receiver() {
  const got: Array<{ body: string; signature: string | undefined; delivery: string | undefined }> = [];
  const state = { failing: false, attempts: 0 };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      state.attempts++;
      if (state.failing) {
        res.writeHead(500).end();
        return;
      }
      got.push({ body, signature: req.headers['x-pdm-signature'] as string | undefined, delivery: req.headers['x-pdm-delivery'] as string | undefined });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, got, state, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('webhooks (CONTRACT §19)', () => {
  let vault: TempVault | null = null;
  let servers: TestServer[] = [];
  let hook: Awaited<ReturnType<typeof receiver>> | null = null;
  afterEach(async () => {
    for (const s of servers) await s.close();
    servers = [];
    await hook?.close();
    await vault?.cleanup();
  });
  const entries = () => hook!.got.map((g) => JSON.parse(g.body) as { id: string; type: string; filename: string });

  it('every activity entry, in order, signed (HMAC sha256) and named by its id', async () => {
    vault = await makeVault();
    hook = await receiver();
    const server = await startServer(vault, { webhooks: [hook.url], webhookSecret: 's3cret' });
    servers.push(server);
    for (const f of ['PN1001.mcam', 'PN1002.mcam']) {
      await api(server.url, '/api/files/checkout', { json: { filename: f, user: 'alice' } });
      await api(server.url, '/api/files/checkin', { json: { filename: f, user: 'alice' } });
    }
    await eventually(() => hook!.got.length === 4, 15_000, 'four deliveries');
    expect(entries().map((e) => [e.type, e.filename])).toEqual([['checkout', 'PN1001.mcam'], ['checkin', 'PN1001.mcam'], ['checkout', 'PN1002.mcam'], ['checkin', 'PN1002.mcam']]);
    const log = (await api(server.url, '/api/activity')).body.events.map((e: { id: string }) => e.id);
    expect(hook.got.map((g) => g.delivery)).toEqual(log);
    for (const g of hook.got) expect(g.signature).toBe(`sha256=${createHmac('sha256', 's3cret').update(g.body).digest('hex')}`);
    // The delivery thread reports its figures a moment after it delivers.
    await eventually(async () => new RegExp(`pdm_webhook_deliveries\\{hook="${hook!.url.replaceAll('/', '\\/')}",result="delivered"\\} 4`).test((await api(server.url, '/metrics')).body), 15_000, 'the deliveries counted');
  });

  it('a hook that is down: check-outs go on, health says so, and once it is back every entry arrives in order; a restart goes on from where it was', async () => {
    vault = await makeVault();
    hook = await receiver();
    hook.state.failing = true;
    let server = await startServer(vault, { webhooks: [hook.url] });
    servers.push(server);
    await api(server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice' } });
    await eventually(async () => /webhook .* failing since/.test((await api(server.url, '/api/health')).body.detail ?? ''), 15_000, 'health names the failing hook');
    // The server stops with the entry undelivered, more entries come while it is down.
    await server.close();
    servers = [];
    server = await startServer(vault, { webhooks: [hook.url] });
    servers.push(server);
    await api(server.url, '/api/files/checkout', { json: { filename: 'PN1002.mcam', user: 'bob' } });
    await api(server.url, '/api/files/checkin', { json: { filename: 'PN1001.mcam', user: 'alice' } });
    hook.state.failing = false;
    await eventually(() => hook!.got.length >= 3, 30_000, 'delivered once the hook is back');
    const log = (await api(server.url, '/api/activity')).body.events.map((e: { id: string }) => e.id);
    // At least once, in order: the log's entries, each delivered (a repeat would come right after its first).
    expect([...new Set(hook.got.map((g) => g.delivery))]).toEqual(log);
    expect(hook.state.attempts).toBeGreaterThan(hook.got.length);
    await eventually(async () => (await api(server.url, '/api/health')).body.detail === null, 15_000, 'health clear again');
  });
});
