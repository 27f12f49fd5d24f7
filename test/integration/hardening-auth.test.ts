import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, eventually, startServer, type TestServer } from '../support/server.js';
import type { TestSocket } from '../support/sockets.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';
import { writeUsersFile } from '../support/users.js';
import { readUsers, writeUsers } from '../../server/auth/users-file.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** A POST from a chosen loopback source address (127.0.0.2 is another client). */
function postFrom(url: string, path: string, body: unknown, localAddress: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url + path, { method: 'POST', localAddress, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Connects and resolves with the socket, or rejects with the connect_error's message. */
function open(url: string, options: Parameters<typeof io>[1]): Promise<TestSocket> {
  const socket: TestSocket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, ...options });
  return new Promise((resolve, reject) => {
    socket.once('snapshot', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

async function signIn(url: string, user: string, password: string): Promise<string> {
  const r = await api(url, '/api/session', { json: { user, password } });
  expect(r.status).toBe(200);
  return r.body.token as string;
}

describe('hardening: sign-in, sessions, sockets and origins', () => {
  let vault: TempVault;
  let server: TestServer | null = null;
  let usersFile: string;
  beforeEach(async () => {
    vault = await makeVault();
    usersFile = join(vault.outside, 'users.json');
    await writeUsersFile(usersFile, { alice: ['alice password 1', 'user'], carol: ['carol password 1', 'user'], boss: ['boss password 1', 'admin'] });
  });
  afterEach(async () => {
    await server?.close();
    server = null;
    await vault.cleanup();
  });

  it('#2 #5 Git LFS Basic: parallel guesses are held to the limit, per address too, and unknown names cost what known ones do', async () => {
    server = await startServer(vault, { usersFile });
    const url = server.url;
    // 8 batches of 100 parallel wrong passwords for one name: at most 5 are checked.
    const statuses: number[] = [];
    for (let b = 0; b < 8; b++) {
      const batch = await Promise.all(Array.from({ length: 100 }, () => api(url, '/api/lfs/locks', { headers: { authorization: basic('alice', 'wrong') } })));
      statuses.push(...batch.map((r) => r.status));
    }
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(795);
    await server.close();
    // New 8 KB names each time, from one address: 401 until the address limit, then 429 (and
    // no name is kept: only verified pairs are remembered).
    server = await startServer(vault, { usersFile });
    const rssBefore = process.memoryUsage().rss;
    const many = [];
    for (let i = 0; i < 300; i++) many.push((await api(server.url, '/api/lfs/locks', { headers: { authorization: basic(`${i}-${'x'.repeat(8192)}`, 'pw') } })).status);
    expect(many.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(many.slice(20)).toEqual(Array(280).fill(429));
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 2 ** 20);
    await server.close();
    // Timing: an unknown name runs scrypt like a known one (medians within a factor of 2).
    server = await startServer(vault, { usersFile, signInLimits: { perUser: 1000, perAddress: 1000, windowMs: 60_000 } });
    const time = async (user: string) => {
      const t0 = performance.now();
      await api(server!.url, '/api/lfs/locks', { headers: { authorization: basic(user, 'wrong password') } });
      return performance.now() - t0;
    };
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 9; i++) {
      known.push(await time('alice'));
      unknown.push(await time(`nobody-${i}`));
    }
    expect(median(unknown)).toBeGreaterThan(median(known) / 2);
  });

  it('#10 a name with blanks around it is the same name for the limits; a guesser elsewhere does not lock the user out', async () => {
    server = await startServer(vault, { usersFile, signInLimits: { perUser: 5, perAddress: 50, windowMs: 60_000 } });
    const tries = [];
    for (const name of ['alice', ' alice', 'alice ', 'alice  ', '\talice', 'alice']) tries.push(await postFrom(server.url, '/api/session', { user: name, password: 'wrong' }, '127.0.0.1'));
    expect(tries.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(tries[5]).toBe(429);
    // The right password with blanks from the guessing address is still held back…
    expect(await postFrom(server.url, '/api/session', { user: 'alice  ', password: 'alice password 1' }, '127.0.0.1')).toBe(429);
    // …but alice at her own desk signs in.
    expect(await postFrom(server.url, '/api/session', { user: 'alice', password: 'alice password 1' }, '127.0.0.2')).toBe(200);
  });

  it('#3 sync has its own budget and a client has a socket budget', async () => {
    server = await startServer(vault, { socketLimits: { perClient: 5 } });
    const url = server.url;
    const first = await open(url, { auth: { user: 'reader' } });
    const acks = [];
    for (let i = 0; i < 10; i++) acks.push(await first.timeout(3000).emitWithAck('sync', {}));
    expect(acks.slice(0, 3).every((a: any) => a.revision !== undefined)).toBe(true);
    expect(acks.slice(3).every((a: any) => a.ok === false && a.code === 'TOO_MANY_REQUESTS')).toBe(true);
    // Five sockets from one address are allowed, a sixth is refused; one closing makes room.
    const more = await Promise.all([1, 2, 3, 4].map((i) => open(url, { auth: { user: `u${i}` } })));
    await expect(open(url, { auth: { user: 'u5' } })).rejects.toThrow(/TOO_MANY_REQUESTS/);
    more.pop()!.close();
    await eventually(async () => (await open(url, { auth: { user: 'u6' } }).then((s) => (more.push(s), true), () => false)), 3000, 'room again');
    for (const s of [first, ...more]) s.close();
  });

  it('#3 a consumer that does not read is disconnected before its buffer grows without bound', async () => {
    // 20,000 files: each snapshot is ~4 MB, more than loopback's socket buffers take in a few.
    await Promise.all(Array.from({ length: 20 }, async (_, d) => {
      await mkdir(join(vault.root, `big${d}`));
      for (let i = 0; i < 1000; i++) await writeFile(join(vault.root, `big${d}`, `F${i}.mcam`), '');
    }));
    server = await startServer(vault, { socketLimits: { maxBufferedBytes: 256 * 1024 } });
    const slow = await open(server.url, { auth: { user: 'slow' } });
    // It stops taking bytes off its TCP connection, and asks for more snapshots.
    (slow.io.engine.transport as unknown as { ws: { _socket: { pause(): void } } }).ws._socket.pause();
    for (let i = 0; i < 3; i++) slow.emit('sync', {}, () => undefined);
    await eventually(() => server!.app.io.of('/').sockets.size === 0, 10_000, 'slow consumer disconnected');
    slow.close();
    // And the server stops, although that peer never read its close frame (how long it takes:
    // bench/stop-and-recover.ts).
    await server.close();
    server = null;
  });

  it('#4 a removed user\'s socket and a demoted admin\'s socket lose their powers at once', async () => {
    server = await startServer(vault, { usersFile });
    const carol = await open(server.url, { auth: { token: await signIn(server.url, 'carol', 'carol password 1') } });
    const boss = await open(server.url, { auth: { token: await signIn(server.url, 'boss', 'boss password 1') } });
    expect(await carol.timeout(3000).emitWithAck('checkout', { filename: 'PN1001.mcam' })).toMatchObject({ ok: true });
    // Carol removed and boss made a user, as `pdm-live user` does it: the others' records (and
    // their password hashes, which keep sessions valid) as they were.
    const records = await readUsers(usersFile);
    await writeUsers(usersFile, records.filter((u) => u.name !== 'carol').map((u) => (u.name === 'boss' ? { ...u, role: 'user' as const } : u)));
    const refused = await carol.timeout(3000).emitWithAck('checkout', { filename: 'PN1002.mcam' });
    expect(refused).toMatchObject({ ok: false, code: 'UNAUTHENTICATED' });
    await eventually(() => !carol.connected, 3000, 'carol disconnected');
    const alice = await signIn(server.url, 'alice', 'alice password 1');
    expect((await api(server.url, '/api/files/PN1002.mcam', { headers: { authorization: `Bearer ${alice}` } })).body.status).toBe('available');
    const force = await boss.timeout(3000).emitWithAck('checkin', { filename: 'PN1001.mcam', force: true });
    expect(force).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    boss.close();
    carol.close();
  });

  it('#13 a token with extra segments is refused; a broken users file keeps the last good one in force', async () => {
    server = await startServer(vault, { usersFile });
    const token = await signIn(server.url, 'alice', 'alice password 1');
    expect((await api(server.url, '/api/session', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await api(server.url, '/api/session', { headers: { authorization: `Bearer ${token}.garbage` } })).status).toBe(401);
    expect((await api(server.url, '/api/session', { headers: { authorization: `Bearer ${token}.a.b` } })).status).toBe(401);
    await writeFile(usersFile, '{"users": [ {"name": "alice", ');
    expect((await api(server.url, '/api/session', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await api(server.url, '/api/files')).status).toBe(401);
    expect((await api(server.url, '/api/session', { json: { user: 'carol', password: 'carol password 1' } })).status).toBe(200);
  });

  it('#13 the activity log\'s own lock follows the stale period', async () => {
    server = await startServer(vault, { staleMs: 2000, settleMs: 50 });
    await mkdir(join(vault.dataDir, 'activity.jsonl.lock')); // a dead server's, fresh
    await vault.write('dropped.mcam');
    // Logged once the 2 s stale period is over: waiting for the 15 s default would fail here.
    await eventually(async () => ((await api(server!.url, '/api/activity')).body.events as Array<{ filename: string }>).some((e) => e.filename === 'dropped.mcam'), 12_000, 'file_added logged');
  });

  it('#6 cross-site requests: text/plain bodies, foreign origins, rebound hosts and foreign WebSockets are refused', async () => {
    server = await startServer(vault);
    const { url } = server;
    const form = await api(url, '/api/files/checkout', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"filename":"PN1001.mcam","user":"mallory"}' });
    expect(form.status).toBe(400);
    const foreign = await api(url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'mallory' }, headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    const otherPort = await api(url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'mallory' }, headers: { origin: 'http://127.0.0.1:1' } });
    expect(otherPort.status).toBe(403);
    const rebound = await new Promise<number>((resolve) => {
      request(`${url}/api/files`, { headers: { host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).end();
    });
    expect(rebound).toBe(403);
    expect((await api(url, '/api/files/PN1001.mcam')).body.status).toBe('available');
    await expect(open(url, { auth: { user: 'mallory' }, extraHeaders: { origin: 'https://evil.example' } })).rejects.toThrow();
    // Its own origin, and tools that send none, are served.
    const own = await api(url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice' }, headers: { origin: url } });
    expect(own.status).toBe(200);
    (await open(url, { auth: { user: 'alice' }, extraHeaders: { origin: url } })).close();
    // Users mode: another port of the same host gets no socket even with the cookie.
    await server.close();
    server = await startServer(vault, { usersFile });
    const token = await signIn(server.url, 'alice', 'alice password 1');
    await expect(open(server.url, { extraHeaders: { origin: 'http://127.0.0.1:1', cookie: `pdm_session=${token}` } })).rejects.toThrow();
    const plain = await api(server.url, '/api/files/checkin', { method: 'POST', headers: { 'content-type': 'text/plain', cookie: `pdm_session=${token}` }, body: '{"filename":"PN1001.mcam"}' });
    expect(plain.status).toBe(400);
  });
});
