import fc from 'fast-check';
import { readFile, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server.js';
import { connect, type Observer } from '../support/sockets.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';

/** A raw request: the path goes out exactly as given (no URL normalisation of `..`). */
function raw(base: string, method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const u = new URL(base);
  return new Promise<number>((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path, headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const TRAVERSALS = [
  '../outside/canary.mcam',
  '../../outside/canary.mcam',
  '..%2Foutside%2Fcanary.mcam',
  '%2e%2e/outside/canary.mcam',
  '%2e%2e%2foutside%2fcanary.mcam',
  '%252e%252e%252foutside%252fcanary.mcam',
  '..%5Coutside%5Ccanary.mcam',
  '....//outside/canary.mcam',
  '/etc/passwd',
  '%2Fetc%2Fpasswd',
  'C:%5CWindows%5Cwin.ini',
  '.pdm/locks.json',
  '.pdm%2Flocks.json',
];
const WINDOWS = ['CON.mcam', 'aux.vnc', 'NUL.mcam', 'COM1.mcam', 'LPT9.vnc', 'con .mcam'];
const CASES = ['pn1001.mcam', 'PN1001.MCAM', 'Pn1001.Mcam', 'CUSTOMER-A/PN2002.vnc'];

const nameArb = fc.oneof(
  fc.constantFrom(...TRAVERSALS, ...WINDOWS, ...CASES),
  fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => `${s}.mcam`),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\u202Egnp.mcam', 'a\u0000.mcam', 'a\r\nX-Injected: 1.mcam', '\uFEFF.mcam', 'e\u0301.mcam', '\uD800.mcam'),
  fc.string({ minLength: 1000, maxLength: 3000 }).map((s) => `${s}.vnc`),
);
const valueArb = fc.oneof(fc.string({ maxLength: 3000 }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.object({ maxDepth: 2 }));
const bodyArb = fc.oneof(
  fc.record({ filename: fc.oneof(nameArb, valueArb), message: fc.option(valueArb), user: fc.option(fc.oneof(valueArb, nameArb)), force: fc.option(valueArb), comment: fc.option(valueArb) }, { requiredKeys: [] }),
  fc.anything({ maxDepth: 3 }),
);
const encode = (input: string, how: number) => {
  const name = input.toWellFormed(); // lone surrogates cannot be percent-encoded
  return how === 0 ? encodeURIComponent(name) : how === 1 ? name.split('/').map(encodeURIComponent).join('/') : how === 2 ? encodeURIComponent(encodeURIComponent(name)) : encodeURI(name).replace(/[?#]/g, encodeURIComponent);
};

describe('bad input never hurts', () => {
  let vault: TempVault;
  let server: TestServer;
  let canary: string;
  let canaryStat: { mtimeMs: number; size: number };
  let before: string;
  let observer: Observer;

  beforeAll(async () => {
    vault = await makeVault();
    canary = join(vault.outside, 'canary.mcam');
    await writeFile(canary, 'canary');
    canaryStat = await stat(canary);
    server = await startServer(vault);
    const { api } = await import('../support/server.js');
    await api(server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'holder', message: 'keep' } });
    before = await readFile(vault.locksFile, 'utf8');
    observer = await connect(server.url, 'fuzzer');
  });
  afterAll(async () => {
    observer.close();
    await server.close();
    await vault.cleanup();
  });

  async function unchanged() {
    expect(await readFile(vault.locksFile, 'utf8')).toBe(before);
    const s = await stat(canary);
    expect([s.mtimeMs, s.size]).toEqual([canaryStat.mtimeMs, canaryStat.size]);
    expect(s.atimeMs).toBeLessThanOrEqual(Date.now());
  }

  it('700 generated HTTP requests: no 5xx, nothing outside the vault touched, locks.json unchanged by every refusal', async () => {
    let count = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.tuple(fc.constantFrom('POST'), fc.constantFrom('/api/files/checkout', '/api/files/checkin'), bodyArb.map((b) => JSON.stringify(b) ?? 'null')),
          fc.tuple(fc.constantFrom('POST'), fc.constantFrom('/api/files/checkout', '/api/files/checkin'), fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('{"filename":', '{"filename": "PN1002.mcam"', '[', '\u0000', '{"filename":"PN1002.mcam","user":{"$gt":""}}'))),
          fc.tuple(fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'POST'), fc.tuple(nameArb, fc.integer({ min: 0, max: 3 }), fc.constantFrom('', '/content', '/versions', '/../../outside/canary.mcam')).map(([n, how, suffix]) => `/api/files/${encode(n, how)}${suffix}`), fc.constant(undefined)),
          fc.tuple(fc.constantFrom('GET'), fc.tuple(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 })).map(([l, a]) => `/api/activity?limit=${encodeURIComponent(l)}&after=${encodeURIComponent(a)}`), fc.constant(undefined)),
          fc.tuple(fc.constantFrom('GET'), fc.constantFrom(...TRAVERSALS).map((t) => `/${t}`), fc.constant(undefined)),
        ),
        async ([method, path, body]) => {
          count++;
          const status = await raw(server.url, method, path, body);
          expect(status, `${method} ${path} ${String(body).slice(0, 200)}`).toBeLessThan(500);
          if (status >= 400) await unchanged();
        },
      ),
      { numRuns: 700 },
    );
    expect(count).toBeGreaterThanOrEqual(700);
  });

  it('400 generated socket commands: every one acked, the socket stays connected, nothing changes', async () => {
    let count = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('checkout', 'checkin', 'sync'), fc.oneof(bodyArb, fc.anything({ maxDepth: 2 })), async (cmd, payload) => {
        count++;
        const ack = (await (observer.socket as any).timeout(5000).emitWithAck(cmd, payload)) as { ok: boolean; code?: string };
        expect(typeof ack.ok).toBe('boolean');
        if (!ack.ok) {
          expect(ack.code).toMatch(/^[A-Z_]+$/);
          await unchanged();
        }
        expect(observer.socket.connected).toBe(true);
        // Stay under the per-socket command limit, which would answer TOO_MANY_REQUESTS.
        await new Promise((r) => setTimeout(r, 40));
      }),
      { numRuns: 400 },
    );
    expect(count).toBeGreaterThanOrEqual(400);
    // Anything a fuzzer managed to check out would show in locks.json; only the original lock is there.
    expect(Object.keys(JSON.parse(await readFile(vault.locksFile, 'utf8')))).toEqual(['PN1001.mcam']);
  });

  it('commands beyond the per-socket limit are refused with TOO_MANY_REQUESTS, and the socket stays', async () => {
    // A socket of its own: its budgets are whole (50 commands at once, 3 syncs, then one per 5 s).
    const fresh = await connect(server.url, 'flooder');
    try {
      const started = Date.now();
      const acks = (await Promise.all(Array.from({ length: 80 }, () => fresh.socket.timeout(5000).emitWithAck('sync', {})))) as Array<{ ok: boolean; code?: string }>;
      const refilled = Math.floor(((Date.now() - started) / 1000) * 0.2);
      const answered = acks.filter((a) => a.ok).length;
      expect(acks.filter((a) => !a.ok).every((a) => a.code === 'TOO_MANY_REQUESTS')).toBe(true);
      expect(answered).toBeGreaterThanOrEqual(3);
      expect(answered).toBeLessThanOrEqual(3 + refilled);
      expect(fresh.socket.connected).toBe(true);
    } finally {
      fresh.close();
    }
  });
});
