import fc from 'fast-check';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXACT_NAMES, nameKey, probeNameRules, type NameRules } from '../../server/vault/name-rules.js';
import { api, eventually, startServer, type TestServer } from '../support/server.js';
import { run } from '../support/processes.js';
import { connect } from '../support/sockets.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';

// A share that does not tell case or Unicode form apart (NTFS, SMB/CIFS, macOS), injected: the
// disk here is ext4, so every name reaches the disk only in the spelling the vault resolved.
const FOLDING: NameRules = { caseInsensitive: true, formInsensitive: true };
const PIECE = 'Pi\u00e8ce.mcam'; // NFC on disk
const PIECE_NFD = 'Pie\u0300ce.mcam';
const LFS = { 'content-type': 'application/vnd.git-lfs+json', accept: 'application/vnd.git-lfs+json' };

const checkout = (url: string, filename: string, user: string) => api(url, '/api/files/checkout', { json: { filename, user, message: 'on it' } });
const locksOnDisk = async (v: TempVault) => JSON.parse(await readFile(v.locksFile, 'utf8')) as Record<string, { user: string }>;

describe('one file, one lock, whatever the spelling (a folding vault)', () => {
  let vault: TempVault;
  let server: TestServer;
  beforeEach(async () => {
    vault = await makeVault(['Customer-A/PN1.mcam', 'Customer-A/PN2.mcam', PIECE, 'PN3.vnc']);
    server = await startServer(vault, { nameRules: FOLDING });
  });
  afterEach(async () => {
    await server.close();
    await vault.cleanup();
  });

  it('HTTP: a check-out in another case or Unicode form is the same file: 409, one key, answers in the disk spelling', async () => {
    const first = await checkout(server.url, 'customer-a/pn1.MCAM', 'alice');
    expect(first.status).toBe(200);
    expect(first.body.file.name).toBe('Customer-A/PN1.mcam');
    const second = await checkout(server.url, 'Customer-A/PN1.mcam', 'bob');
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: 'ALREADY_LOCKED', lock: { user: 'alice' } });
    expect((await checkout(server.url, PIECE_NFD, 'alice')).body.file.name).toBe(PIECE);
    expect((await checkout(server.url, PIECE.toUpperCase(), 'bob')).status).toBe(409);
    expect(Object.keys(await locksOnDisk(vault)).sort()).toEqual(['Customer-A/PN1.mcam', PIECE].sort());
    expect((await api(server.url, '/api/files/CUSTOMER-A/pn1.mcam')).body).toMatchObject({ name: 'Customer-A/PN1.mcam', locked_by: 'alice' });
    const checkin = await api(server.url, '/api/files/checkin', { json: { filename: 'CUSTOMER-A/PN1.MCAM', user: 'alice', comment: 'done' } });
    expect(checkin.status).toBe(200);
    expect(Object.keys(await locksOnDisk(vault))).toEqual([PIECE]);
  });

  it('sockets, several files, the queue, nudges, versions, history and Git LFS all resolve to the disk spelling', async () => {
    const alice = await connect(server.url, 'alice');
    const bob = await connect(server.url, 'bob');
    try {
      const ack = await alice.socket.emitWithAck('checkout', { filename: 'customer-a/PN1.MCAM', message: 'socket' });
      expect(ack).toMatchObject({ ok: true, file: { name: 'Customer-A/PN1.mcam' } });
      expect(await bob.socket.emitWithAck('checkout', { filename: 'CUSTOMER-A/pn1.mcam' })).toMatchObject({ ok: false, code: 'ALREADY_LOCKED' });
      await alice.waitFor('lock:acquired', (d) => d.filename === 'Customer-A/PN1.mcam');

      const many = await api(server.url, '/api/files/checkout', { json: { filenames: ['customer-a/pn2.mcam', 'pn3.VNC'], user: 'bob' } });
      expect(many.status).toBe(200);
      expect(many.body.files.map((f: { name: string }) => f.name)).toEqual(['Customer-A/PN2.mcam', 'PN3.vnc']);
      expect((await api(server.url, '/api/files/checkout', { json: { filenames: ['Customer-A/PN2.mcam', 'CUSTOMER-A/PN2.MCAM'], user: 'carol' } })).status).toBe(400);
      const clash = await api(server.url, '/api/files/checkout', { json: { filenames: ['CUSTOMER-A/PN2.MCAM', PIECE_NFD], user: 'carol' } });
      expect(clash.status).toBe(409);
      expect(Object.keys(clash.body.locks)).toEqual(['Customer-A/PN2.mcam']);

      expect((await api(server.url, '/api/files/wait', { json: { filename: 'customer-a/PN1.mcam', user: 'bob', message: 'next' } })).body.file.queue).toEqual([expect.objectContaining({ user: 'bob' })]);
      expect((await api(server.url, '/api/files/nudge', { json: { filename: 'CUSTOMER-A/PN1.MCAM', user: 'bob' } })).status).toBe(200);

      const put = await api(server.url, '/api/files/customer-a/pn1.mcam/content', { method: 'PUT', body: 'new bytes', headers: { 'x-pdm-user': 'alice', 'content-type': 'application/octet-stream' } });
      expect(put.status).toBe(200);
      expect(put.body.file.name).toBe('Customer-A/PN1.mcam');
      expect(await readFile(join(vault.root, 'Customer-A', 'PN1.mcam'), 'utf8')).toBe('new bytes');
      expect((await api(server.url, '/api/files/CUSTOMER-A/PN1.MCAM/versions')).body.versions.length).toBeGreaterThanOrEqual(2);
      expect((await api(server.url, '/api/files/customer-a/pn1.mcam/content')).body).toBe('new bytes');

      // Git LFS: Gitea compares lower(path) for this reason.
      const lfs = await api(`${server.url}/api/lfs`, '/locks', { method: 'POST', body: JSON.stringify({ path: PIECE_NFD.toUpperCase() }), headers: { ...LFS, 'x-pdm-user': 'carol' } });
      expect(lfs.status).toBe(201);
      expect(lfs.body.lock.path).toBe(PIECE);
      const again = await api(`${server.url}/api/lfs`, '/locks', { method: 'POST', body: JSON.stringify({ path: PIECE }), headers: { ...LFS, 'x-pdm-user': 'dave' } });
      expect(again.status).toBe(409);
      const listed = await api(`${server.url}/api/lfs`, `/locks?path=${encodeURIComponent(PIECE.toLowerCase())}`, { headers: { ...LFS, 'x-pdm-user': 'dave' } });
      expect(listed.body.locks.map((l: { path: string }) => l.path)).toEqual([PIECE]);

      // The terminal client and the activity filter take any spelling too.
      const cli = await run(['status', 'CUSTOMER-A/pn1.mcam', '--json'], { env: { PDM_URL: server.url } });
      expect(cli.code, cli.stderr).toBe(0);
      expect((JSON.parse(cli.stdout) as { files: Array<{ name: string; locked_by: string }> }).files).toEqual([expect.objectContaining({ name: 'Customer-A/PN1.mcam', locked_by: 'alice' })]);
      const filtered = (await api(server.url, '/api/activity?filename=customer-a%2Fpn1.MCAM')).body.events as Array<{ filename: string }>;
      expect(filtered.length).toBeGreaterThan(0);
      expect(new Set(filtered.map((e) => e.filename))).toEqual(new Set(['Customer-A/PN1.mcam']));

      // Check-in hands over to bob (the queue followed the spelling).
      expect((await api(server.url, '/api/files/checkin', { json: { filename: 'customer-a/pn1.mcam', user: 'alice' } })).body.file).toMatchObject({ name: 'Customer-A/PN1.mcam', locked_by: 'bob' });
      const history = await api(server.url, '/api/files/CUSTOMER-A/PN1.MCAM/history');
      expect(history.body.holds.map((h: { user: string }) => h.user)).toEqual(['bob', 'alice']);
      const keys = Object.keys(await locksOnDisk(vault));
      expect(new Set(keys.map((k) => nameKey(FOLDING, k))).size).toBe(keys.length);
    } finally {
      alice.close();
      bob.close();
    }
  });

  it('a hand-edited key in another spelling is that file, written back in the disk spelling; two keys for one file are reported, the older counts', async () => {
    await mkdir(vault.dataDir, { recursive: true });
    await writeFile(
      vault.locksFile,
      JSON.stringify({
        'customer-a/pn1.MCAM': { user: 'carol', timestamp: '2026-12-01T08:00:00.000Z', message: 'by hand' },
        'CUSTOMER-A/PN2.mcam': { user: 'dave', timestamp: '2026-12-02T08:00:00.000Z', message: 'newer' },
        'customer-a/pn2.mcam': { user: 'erin', timestamp: '2026-12-01T09:00:00.000Z', message: 'older' },
      }),
    );
    await eventually(async () => (await api(server.url, '/api/files/Customer-A/PN1.mcam')).body.locked_by === 'carol', 5000, 'the hand edit read');
    expect((await checkout(server.url, 'Customer-A/PN1.mcam', 'alice')).status).toBe(409);
    expect((await api(server.url, '/api/files/Customer-A/PN2.mcam')).body.locked_by).toBe('erin');
    const health = (await api(server.url, '/api/health')).body;
    expect(health.status).toBe('ok');
    expect(health.detail).toMatch(/names a file twice/);
    expect((await checkout(server.url, 'PN3.vnc', 'alice')).status).toBe(200);
    await eventually(async () => {
      const keys = Object.keys(await locksOnDisk(vault)).sort();
      return keys.join() === ['Customer-A/PN1.mcam', 'Customer-A/PN2.mcam', 'PN3.vnc'].join();
    }, 5000, 'locks.json in the disk spelling');
    expect((await locksOnDisk(vault))['Customer-A/PN2.mcam']!.user).toBe('erin');
  });

  it('a file renamed on disk only in its case keeps its lock and queue, under the new spelling', async () => {
    expect((await checkout(server.url, 'Customer-A/PN2.mcam', 'alice')).status).toBe(200);
    expect((await api(server.url, '/api/files/wait', { json: { filename: 'Customer-A/PN2.mcam', user: 'bob' } })).status).toBe(200);
    await rename(join(vault.root, 'Customer-A', 'PN2.mcam'), join(vault.root, 'Customer-A', 'pn2.MCAM'));
    await eventually(async () => {
      const f = (await api(server.url, '/api/files/Customer-A/PN2.mcam')).body;
      return f.name === 'Customer-A/pn2.MCAM' && f.locked_by === 'alice';
    }, 10_000, 'the lock under the new spelling');
    expect((await api(server.url, '/api/files/Customer-A/pn2.MCAM')).body).toMatchObject({ name: 'Customer-A/pn2.MCAM', queue: [expect.objectContaining({ user: 'bob' })] });
    await eventually(async () => Object.keys(await locksOnDisk(vault)).includes('Customer-A/pn2.MCAM'), 5000, 'locks.json follows');
    expect(Object.keys(await locksOnDisk(vault))).not.toContain('Customer-A/PN2.mcam');
    expect((await checkout(server.url, 'customer-a/PN2.mcam', 'carol')).status).toBe(409);
    // Its history is the file's, whatever spelling it was held under.
    expect((await api(server.url, '/api/files/Customer-A/pn2.MCAM/history')).body.holds.map((h: { user: string }) => h.user)).toContain('alice');
  });

  it('--protect follows the disk spelling: a check-out in another spelling makes the file writable, a check-in read-only', async () => {
    await server.close();
    server = await startServer(vault, { nameRules: FOLDING, protect: true });
    const abs = join(vault.root, 'Customer-A', 'PN1.mcam');
    const writable = async () => ((await stat(abs)).mode & 0o222) !== 0;
    await eventually(async () => !(await writable()), 5000, 'protected at start');
    expect((await checkout(server.url, 'CUSTOMER-A/pn1.mcam', 'alice')).status).toBe(200);
    await eventually(() => writable(), 5000, 'writable once checked out');
    expect((await api(server.url, '/api/files/checkin', { json: { filename: 'customer-a/PN1.MCAM', user: 'alice' } })).status).toBe(200);
    await eventually(async () => !(await writable()), 5000, 'read-only again');
  });

  it('property: any mix of case and Unicode form of existing names never yields two locks for one file', async () => {
    const names = ['Customer-A/PN1.mcam', 'Customer-A/PN2.mcam', PIECE, 'PN3.vnc'];
    const spell = fc.tuple(fc.constantFrom(...names), fc.array(fc.boolean(), { minLength: 24, maxLength: 24 }), fc.boolean()).map(([n, flips, nfd]) => {
      const form = nfd ? n.normalize('NFD') : n;
      return Array.from(form).map((ch, i) => (flips[i % flips.length] ? ch.toUpperCase() : ch.toLowerCase())).join('');
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(spell, fc.constantFrom('alice', 'bob', 'carol')), { minLength: 2, maxLength: 8 }), async (asks) => {
        const answers = await Promise.all(asks.map(([n, u]) => checkout(server.url, n, u)));
        const locks = await locksOnDisk(vault);
        const keys = Object.keys(locks);
        expect(new Set(keys.map((k) => nameKey(FOLDING, k))).size).toBe(keys.length);
        for (const k of keys) expect(names).toContain(k);
        expect(answers.filter((a) => a.status === 200)).toHaveLength(keys.length);
        for (const [name, lock] of Object.entries(locks)) await api(server.url, '/api/files/checkin', { json: { filename: name, user: lock.user } });
      }),
      { numRuns: 25, seed: 27 },
    );
  });
});

describe('an exact vault (ext4)', () => {
  let vault: TempVault;
  let server: TestServer;
  beforeEach(async () => {
    vault = await makeVault(['PN1.mcam', 'pn1.mcam']);
    server = await startServer(vault);
  });
  afterEach(async () => {
    await server.close();
    await vault.cleanup();
  });

  it('is found out by trying: names are exact, PN1.mcam and pn1.mcam stay two files', async () => {
    expect(await probeNameRules(vault.root)).toEqual(EXACT_NAMES);
    expect((await checkout(server.url, 'PN1.mcam', 'alice')).status).toBe(200);
    expect((await checkout(server.url, 'pn1.mcam', 'bob')).status).toBe(200);
    expect((await checkout(server.url, 'Pn1.mcam', 'bob')).status).toBe(404);
    expect(Object.keys(await locksOnDisk(vault)).sort()).toEqual(['PN1.mcam', 'pn1.mcam']);
  });
});
