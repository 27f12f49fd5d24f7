import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, eventually } from '../support/server.js';
import { run, spawnServer, type ServerProcess } from '../support/processes.js';
import { connect } from '../support/sockets.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';

const WORKER = fileURLToPath(new URL('../support/store-worker.ts', import.meta.url));

describe('several processes on one vault', () => {
  let vault: TempVault;
  const servers: ServerProcess[] = [];
  beforeEach(async () => {
    vault = await makeVault();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop('SIGKILL')));
    await vault.cleanup();
  });

  it('4 processes x 250 mutations through the store on one locks.json: no update is lost', async () => {
    const results = await Promise.all(
      [1, 2, 3, 4].map((id) => run([WORKER, vault.locksFile, String(id), '250'], { node: ['--import', 'tsx'], timeoutMs: 60_000 })),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const locks = JSON.parse(await readFile(vault.locksFile, 'utf8'));
    expect(Object.keys(locks)).toHaveLength(1000);
    for (const id of [1, 2, 3, 4]) for (let i = 0; i < 250; i++) expect(locks[`w${id}/${i}.mcam`]?.user).toBe(`worker${id}`);
  });

  it('two server processes racing for one file: exactly one winner, and each pushes the other’s change', async () => {
    const a = await spawnServer(['--repo', vault.root]);
    const b = await spawnServer(['--repo', vault.root]);
    servers.push(a, b);
    const watcherOnA = await connect(a.url, 'watcher');
    try {
      const tries = Array.from({ length: 40 }, (_, i) =>
        api(i % 2 ? a.url : b.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: `u${i}` } }),
      );
      const res = await Promise.all(tries);
      expect(res.filter((r) => r.status === 200)).toHaveLength(1);
      expect(res.filter((r) => r.status === 409)).toHaveLength(39);
      // A check-out made on B reaches A's sockets (how fast: bench/stop-and-recover.ts).
      await api(b.url, '/api/files/checkout', { json: { filename: 'PN1002.mcam', user: 'bob' } });
      const ev = await watcherOnA.waitFor('lock:acquired', (d) => d.filename === 'PN1002.mcam', 10_000);
      expect(ev).toMatchObject({ source: 'disk', lock: { user: 'bob' } });
      // Each change is logged once, by the server that made it.
      await new Promise((r) => setTimeout(r, 300));
      const lines = (await readFile(`${vault.dataDir}/activity.jsonl`, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.map((e) => [e.type, e.filename, e.source])).toEqual([
        ['checkout', 'PN1001.mcam', 'api'],
        ['checkout', 'PN1002.mcam', 'api'],
      ]);
      expect(new Set(lines.map((e) => e.id)).size).toBe(2);
      // And B's activity reaches A's sockets too.
      await watcherOnA.waitFor('activity', (e) => e.filename === 'PN1002.mcam');
    } finally {
      watcherOnA.close();
    }
  });

  it('a server killed with SIGKILL mid-storm: locks.json parses, every acknowledged lock is there, the stale lock clears', async () => {
    const names = Array.from({ length: 400 }, (_, i) => `storm/S${i}.mcam`);
    await Promise.all(names.map((n) => vault.write(n, 'x')));
    const env = { PDM_STALE_MS: '3000' };
    const s1 = await spawnServer(['--repo', vault.root], env);
    servers.push(s1);
    const acked: string[] = [];
    let stop = false;
    const client = async (k: number) => {
      for (let i = k; i < names.length && !stop; i += 8) {
        const r = await api(s1.url, '/api/files/checkout', { json: { filename: names[i], user: `c${k}` } }).catch(() => null);
        if (r?.status === 200) acked.push(names[i]!);
      }
    };
    const clients = Array.from({ length: 8 }, (_, k) => client(k));
    await eventually(() => acked.length >= 60, 20_000, '60 acknowledged check-outs');
    await s1.stop('SIGKILL');
    stop = true;
    await Promise.all(clients);
    const locks = JSON.parse(await readFile(vault.locksFile, 'utf8'));
    for (const n of acked) expect(locks[n], n).toBeDefined();
    // A restarted server can commit again, even if a .lock dir was left (after the stale period:
    // bench/stop-and-recover.ts measures it).
    const s2 = await spawnServer(['--repo', vault.root], env);
    servers.push(s2);
    const r = await api(s2.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'after' } });
    expect(r.status).toBe(200);
  });

  it('the subscriber across a server restart: nothing lost, nothing repeated', async () => {
    const port = String(20_000 + Math.floor(Math.random() * 20_000));
    const s1 = await spawnServer(['--repo', vault.root, '--port', port]);
    servers.push(s1);
    const log = `${vault.outside}/events.jsonl`;
    const { spawn } = await import('node:child_process');
    const { BIN, ROOT } = await import('../support/processes.js');
    const watcher = spawn(process.execPath, [BIN, 'watch', '--url', s1.url, '--log', log], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    watcher.stdout.on('data', (d) => (out += d));
    try {
      await api(s1.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice', message: 'first' } });
      await eventually(() => out.includes('checkout PN1001.mcam'), 5000, 'first line');
      expect(await s1.stop('SIGTERM')).toBe(0);
      // While the server is down, someone edits locks.json by hand; the restarted server logs it.
      const locks = JSON.parse(await readFile(vault.locksFile, 'utf8'));
      locks['PN1002.mcam'] = { user: 'hand', timestamp: new Date().toISOString(), message: 'offline edit' };
      const { writeFile } = await import('node:fs/promises');
      await writeFile(vault.locksFile, JSON.stringify(locks, null, 2));
      const s2 = await spawnServer(['--repo', vault.root, '--port', port]);
      servers.push(s2);
      await api(s2.url, '/api/files/checkin', { json: { filename: 'PN1001.mcam', user: 'alice' } });
      await eventually(async () => ((await readFile(log, 'utf8').catch(() => '')).trim().split('\n').length >= 3 ? true : null), 10_000, 'three logged events');
      await new Promise((r) => setTimeout(r, 500));
      const logged = (await readFile(log, 'utf8')).trim().split('\n').map((l) => JSON.parse(l).id);
      const truth = (await readFile(`${vault.dataDir}/activity.jsonl`, 'utf8')).trim().split('\n').map((l) => JSON.parse(l).id);
      expect(logged).toEqual(truth);
      expect(truth).toHaveLength(3);
    } finally {
      watcher.kill('SIGINT');
    }
    const code = await new Promise((r) => watcher.once('exit', r));
    expect(code).toBe(0);
  });
});
