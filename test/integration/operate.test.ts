import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import selfsigned from 'selfsigned';
import { io } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestSocket } from '../support/sockets.js';
import { run, spawnServer, type ServerProcess } from '../support/processes.js';
import { api, eventually } from '../support/server.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';
import { writeUsersFile } from '../support/users.js';

/** An HTTPS request that trusts only `ca` (the test's own certificate). */
function httpsJson(url: string, ca: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: any; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const body = init.body === undefined ? undefined : JSON.stringify(init.body);
    const req = request(url, { ca, method: init.method ?? 'GET', headers: body ? { 'content-type': 'application/json' } : {}, timeout: 5000 }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text.startsWith('{') ? JSON.parse(text) : text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('running it as a service', () => {
  let vault: TempVault;
  let server: ServerProcess | null = null;
  beforeEach(async () => {
    vault = await makeVault();
  });
  afterEach(async () => {
    await server?.stop('SIGKILL');
    server = null;
    await vault.cleanup();
  });

  it('--version prints the package version; --help lists the commands', async () => {
    const pkg = (await import('../../package.json', { with: { type: 'json' } })).default as { version: string };
    const v = await run(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe(pkg.version);
    const h = await run(['--help']);
    expect(h.code).toBe(0);
    for (const cmd of ['serve', 'watch', 'user']) expect(h.stdout).toContain(cmd);
  });

  it('serves HTTPS and secure WebSockets with --tls-cert/--tls-key; the cookie is Secure', async () => {
    const pems = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keySize: 2048,
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    await writeFile(join(vault.outside, 'cert.pem'), pems.cert);
    await writeFile(join(vault.outside, 'key.pem'), pems.private);
    const usersFile = join(vault.outside, 'users.json');
    await writeUsersFile(usersFile, { alice: ['correct horse 1', 'user'] });
    server = await spawnServer(['--repo', vault.root, '--users', usersFile, '--tls-cert', join(vault.outside, 'cert.pem'), '--tls-key', join(vault.outside, 'key.pem')]);
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const signIn = await httpsJson(`${server.url}/api/session`, pems.cert, { method: 'POST', body: { user: 'alice', password: 'correct horse 1' } });
    expect(signIn.status).toBe(200);
    expect(String(signIn.headers['set-cookie'])).toMatch(/;\s*Secure/i);
    const socket: TestSocket = io(server.url, { ca: pems.cert, transports: ['websocket'], auth: { token: signIn.body.token }, reconnection: false });
    try {
      const snapshot = await new Promise<any>((resolve, reject) => {
        socket.once('snapshot', resolve);
        socket.once('connect_error', reject);
      });
      expect(snapshot.files.map((f: { name: string }) => f.name)).toContain('PN1001.mcam');
      const ack = await socket.timeout(5000).emitWithAck('checkout', { filename: 'PN1001.mcam', message: 'over wss' });
      expect(ack).toMatchObject({ ok: true });
    } finally {
      socket.close();
    }
    // A client that does not trust the certificate is refused.
    await expect(httpsJson(`${server.url}/api/health`, '')).rejects.toThrow();
  });

  it('refuses one TLS flag without the other, and an unreadable certificate, with one line', async () => {
    const only = await run(['serve', '--no-web', '--repo', vault.root, '--port', '0', '--tls-cert', join(vault.outside, 'cert.pem')]);
    expect(only.code).toBe(1);
    expect(only.stderr.trim().split('\n')).toHaveLength(1);
    expect(only.stderr).toMatch(/--tls-cert and --tls-key go together/);
    const missing = await run(['serve', '--no-web', '--repo', vault.root, '--port', '0', '--tls-cert', join(vault.outside, 'no.pem'), '--tls-key', join(vault.outside, 'no.pem')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/cannot read the TLS certificate/);
  });

  it('GET /metrics: Prometheus text with the pdm_* metrics, open in open mode', async () => {
    server = await spawnServer(['--repo', vault.root]);
    await api(server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice' } });
    await api(server.url, '/api/files/checkout', { json: { filename: 'PN1002.mcam', user: 'alice' } });
    await api(server.url, '/api/files/checkin', { json: { filename: 'PN1002.mcam', user: 'alice' } });
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const name of ['process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'pdm_sockets_connected', 'pdm_commit_duration_seconds_bucket']) {
      expect(text).toMatch(new RegExp(`^${name}[ {]`, 'm'));
    }
    expect(text).toMatch(/^pdm_locks_held 1$/m);
    expect(text).toMatch(/^pdm_lock_operations_total\{op="checkout"\} 2$/m);
    expect(text).toMatch(/^pdm_lock_operations_total\{op="checkin"\} 1$/m);
    expect(text).toMatch(/^pdm_lock_operations_total\{op="force_release"\} 0$/m);
  });

  it('GET /metrics in users mode: the metrics token, else refused', async () => {
    const usersFile = join(vault.outside, 'users.json');
    await writeUsersFile(usersFile, { alice: ['correct horse 1', 'user'] });
    server = await spawnServer(['--repo', vault.root, '--users', usersFile], { PDM_METRICS_TOKEN: 'scrape-me-please' });
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const ok = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer scrape-me-please' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/^pdm_locks_held 0$/m);
  });

  it('after a crash (a dead lock directory, locks.json ahead of its journaled copy), health and reads answer while its lock is still fresh', async () => {
    await mkdir(vault.dataDir, { recursive: true });
    const lock = { user: 'alice', timestamp: '2026-11-22T10:00:02.123Z', message: 'left by the dead server' };
    await writeFile(vault.locksFile, JSON.stringify({ 'PN1001.mcam': lock }, null, 2));
    await writeFile(join(vault.dataDir, 'locks.journaled.json'), '{}');
    await mkdir(`${vault.locksFile}.lock`); // fresh: not stale for another 15 s
    server = await spawnServer(['--repo', vault.root]);
    const health = await eventually(async () => (await api(server!.url, '/api/health')).status === 200, 5000, 'health');
    expect(health).toBe(true);
    expect((await api(server.url, '/api/files/PN1001.mcam')).body.locked_by).toBe('alice');
    expect((await api(server.url, '/api/locks')).body.locks['PN1001.mcam']).toMatchObject({ user: 'alice' });
    expect((await api(server.url, '/api/activity')).status).toBe(200);
    // And it stops, although its journaling of the drift is still waiting for that lock.
    expect(await server.stop('SIGTERM')).toBe(0);
    server = null;
  });

  it('SIGTERM and SIGINT with nothing in flight exit 0, with no lock left', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      server = await spawnServer(['--repo', vault.root]);
      await api(server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'a' } });
      await api(server.url, '/api/files/checkin', { json: { filename: 'PN1001.mcam', user: 'a' } });
      expect(await server.stop(signal)).toBe(0);
      expect(existsSync(`${vault.locksFile}.lock`)).toBe(false);
      server = null;
    }
  });

  it('SIGTERM with a page connected and a connection opened ahead (no request on it yet) still exits 0', async () => {
    server = await spawnServer(['--repo', vault.root]);
    const { port } = new URL(server.url);
    // What Chromium does: a WebSocket, and a spare TCP connection it may never send a request on.
    const socket = io(server.url, { transports: ['websocket'], reconnection: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    const { connect } = await import('node:net');
    const spare = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => spare.once('connect', () => resolve()));
    spare.on('error', () => {});
    expect(await server.stop('SIGTERM')).toBe(0);
    server = null;
    socket.close();
    spare.destroy();
  });

  it('a SIGTERM during a burst of check-outs finishes every acknowledged one', async () => {
    server = await spawnServer(['--repo', vault.root]);
    for (let i = 0; i < 40; i++) await vault.write(`burst/F${i}.mcam`);
    await eventually(async () => (await api(server!.url, '/api/files')).body.files.length >= 44, 5000, 'burst files');
    const answers = Array.from({ length: 40 }, (_, i) => api(server!.url, '/api/files/checkout', { json: { filename: `burst/F${i}.mcam`, user: 'a' } }).catch(() => null));
    await new Promise((r) => setTimeout(r, 5));
    const exit = server.stop('SIGTERM');
    const results = await Promise.all(answers);
    expect(await exit).toBe(0);
    server = null;
    const { readFile } = await import('node:fs/promises');
    const onDisk = JSON.parse(await readFile(vault.locksFile, 'utf8').catch(() => '{}'));
    results.forEach((r, i) => {
      if (r?.status === 200) expect(onDisk[`burst/F${i}.mcam`]).toMatchObject({ user: 'a' });
    });
  });
});
