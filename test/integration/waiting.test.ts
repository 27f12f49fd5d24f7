import { readFile, writeFile } from 'node:fs/promises';
import { readUsers, writeUsers } from '../../server/auth/users-file.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { BIN, ROOT, spawnServer } from '../support/processes.js';
import { api, eventually, startServer, serverPerTest } from '../support/server.js';
import { connect } from '../support/sockets.js';
import { makeVault } from '../support/temp-vault.js';
import { writeUsersFile } from '../support/users.js';

const F = 'PN1001.mcam';
const hour = () => new Date(Date.now() + 3600_000).toISOString();

describe('waiting for a file: queue, hand-off, until, nudge, presence', () => {
  const t = serverPerTest({ admins: ['boss'] });
  const post = (path: string, json: unknown, headers: Record<string, string> = {}) => api(t.server.url, path, { json, headers });
  const events = async () => (await api(t.server.url, '/api/activity?limit=200')).body.events as Array<{ type: string; user: string; filename: string; handoff?: boolean; previous_user?: string }>;

  it('wait and unwait over HTTP and sockets; the queue is on FileStatus everywhere; the refusals', async () => {
    const observer = await connect(t.server.url, 'observer');
    const bob = await connect(t.server.url, 'bob');
    try {
      expect((await post('/api/files/wait', { filename: F, user: 'bob' })).body.code).toBe('NOT_LOCKED');
      expect((await post('/api/files/checkout', { filename: F, user: 'alice', message: 'roughing' })).status).toBe(200);
      expect((await post('/api/files/wait', { filename: F, user: 'alice' })).body.code).toBe('ALREADY_LOCKED');
      expect((await post('/api/files/wait', { filename: 'nope.mcam', user: 'bob' })).status).toBe(404);
      expect(await bob.socket.emitWithAck('wait', { filename: F, message: 'need it for the 5-axis' })).toMatchObject({ ok: true, file: { queue: [{ user: 'bob', message: 'need it for the 5-axis' }] } });
      const again = await post('/api/files/wait', { filename: F, user: 'bob' });
      expect(again.body.file.queue).toHaveLength(1); // joining twice changes nothing
      expect((await post('/api/files/wait', { filename: F, user: 'carol' })).body.file.queue.map((w: any) => w.user)).toEqual(['bob', 'carol']);
      await observer.waitFor('lock:updated', (d) => d.lock.queue?.length === 2 && d.source === 'api');
      const listed = (await api(t.server.url, '/api/files')).body.files.find((f: any) => f.name === F);
      expect(listed.queue.map((w: any) => w.user)).toEqual(['bob', 'carol']);
      expect((await api(t.server.url, '/api/files/PN1002.mcam')).body.queue).toEqual([]);
      expect((await post('/api/files/unwait', { filename: F, user: 'carol' })).body.file.queue.map((w: any) => w.user)).toEqual(['bob']);
      expect((await post('/api/files/unwait', { filename: F, user: 'carol' })).status).toBe(200); // not queued: fine
      expect(JSON.parse(await readFile(t.vault.locksFile, 'utf8'))[F]).toMatchObject({ user: 'alice', message: 'roughing', queue: [{ user: 'bob', since: expect.any(String), message: 'need it for the 5-axis' }] });
      const types = (await events()).map((e) => `${e.type}:${e.user}`);
      expect(types).toEqual(['checkout:alice', 'queued:bob', 'queued:carol', 'unqueued:carol']);
      // A queue is bounded (100); the 101st is refused and nothing changes.
      for (let i = 0; i < 99; i++) expect((await post('/api/files/wait', { filename: F, user: `w${i}` })).status).toBe(200);
      const full = await post('/api/files/wait', { filename: F, user: 'one-too-many' });
      expect(full.status).toBe(400);
      expect(full.body.detail).toMatch(/full \(100 people\)/);
    } finally {
      observer.close();
      bob.close();
    }
  });

  it('a check-in hands the file to the first waiter in the same write: released then acquired (handoff); logged so', async () => {
    const observer = await connect(t.server.url, 'observer');
    try {
      await post('/api/files/checkout', { filename: F, user: 'alice' });
      await post('/api/files/wait', { filename: F, user: 'bob', message: 'finishing ops' });
      await post('/api/files/wait', { filename: F, user: 'carol' });
      const r = await post('/api/files/checkin', { filename: F, user: 'alice' });
      expect(r.body.file).toMatchObject({ locked_by: 'bob', lock: { user: 'bob', message: 'finishing ops', handed_over_from: 'alice', queue: [{ user: 'carol' }] } });
      const rel = await observer.waitFor('lock:released', (d) => d.filename === F);
      const acq = await observer.waitFor('lock:acquired', (d) => d.filename === F && d.handoff === true);
      expect(acq.revision).toBe(rel.revision + 1);
      await eventually(async () => (await events()).some((e) => e.type === 'checkout' && e.handoff), 3000, 'handoff logged');
      const log = (await events()).filter((e) => e.type === 'checkin' || (e.type === 'checkout' && e.handoff));
      expect(log.map((e) => `${e.type}:${e.user}`)).toEqual(['checkin:alice', 'checkout:bob']);
      // Forced by an admin: carol next. Git LFS unlock: nobody waits, released for good.
      const forced = await post('/api/files/checkin', { filename: F, user: 'boss', force: true });
      expect(forced.body.file).toMatchObject({ locked_by: 'carol', lock: { handed_over_from: 'bob' } });
      expect(forced.body.file.queue).toEqual([]);
    } finally {
      observer.close();
    }
  });

  it('Git LFS unlock hands over too, and LFS locks carry the message', async () => {
    const lfs = { 'x-pdm-user': 'alice', accept: 'application/vnd.git-lfs+json', 'content-type': 'application/vnd.git-lfs+json' };
    const created = await api(t.server.url, '/api/lfs/locks', { method: 'POST', body: JSON.stringify({ path: F }), headers: lfs });
    expect(created.status).toBe(201);
    await post('/api/files/wait', { filename: F, user: 'bob' });
    const list = await api(t.server.url, '/api/lfs/locks', { headers: lfs });
    expect(list.body.locks[0]).toMatchObject({ path: F, owner: { name: 'alice' } });
    await api(t.server.url, `/api/lfs/locks/${created.body.lock.id}/unlock`, { method: 'POST', body: '{}', headers: lfs });
    expect((await api(t.server.url, `/api/files/${F}`)).body.locked_by).toBe('bob');
    await post('/api/files/checkin', { filename: F, user: 'bob' });
    await post('/api/files/checkout', { filename: F, user: 'dan', message: 'posting' });
    expect((await api(t.server.url, '/api/lfs/locks', { headers: lfs })).body.locks[0].message).toBe('posting');
  });

  it('50 check-outs racing a hand-off never win over the waiter', async () => {
    await post('/api/files/checkout', { filename: F, user: 'alice' });
    await post('/api/files/wait', { filename: F, user: 'bob' });
    const racers = Array.from({ length: 50 }, (_, i) => post('/api/files/checkout', { filename: F, user: `r${i}` }));
    const [checkin, ...results] = await Promise.all([post('/api/files/checkin', { filename: F, user: 'alice' }), ...racers]);
    expect(checkin.status).toBe(200);
    expect(results.map((r) => r.status).filter((s) => s === 200)).toEqual([]);
    expect(results.every((r) => r.body.code === 'ALREADY_LOCKED')).toBe(true);
    expect(JSON.parse(await readFile(t.vault.locksFile, 'utf8'))[F].user).toBe('bob');
  });

  it('a hand edit that removes a record with a queue hands the file over; a bad hand-edited queue is ignored and reported', async () => {
    await post('/api/files/checkout', { filename: F, user: 'alice' });
    await post('/api/files/wait', { filename: F, user: 'bob' });
    const locks = JSON.parse(await readFile(t.vault.locksFile, 'utf8'));
    delete locks[F];
    locks['PN1002.mcam'] = { user: 'erin', timestamp: new Date().toISOString(), message: 'by hand', queue: 'everyone', custom: 7 };
    await writeFile(t.vault.locksFile, JSON.stringify(locks, null, 2));
    await eventually(async () => (await api(t.server.url, `/api/files/${F}`)).body.locked_by === 'bob', 5000, 'handed over after the edit');
    expect((await api(t.server.url, `/api/files/${F}`)).body.lock).toMatchObject({ handed_over_from: 'alice' });
    await eventually(async () => /queue of PN1002.mcam is not a list/.test((await api(t.server.url, '/api/health')).body.detail ?? ''), 5000, 'bad queue reported');
    expect((await api(t.server.url, '/api/files/PN1002.mcam')).body.queue).toEqual([]);
    const before = await readFile(t.vault.locksFile, 'utf8');
    const w = await post('/api/files/wait', { filename: 'PN1002.mcam', user: 'bob' });
    expect(w.status).toBe(400);
    expect(await readFile(t.vault.locksFile, 'utf8')).toBe(before);
    expect((await post('/api/files/checkin', { filename: 'PN1002.mcam', user: 'erin' })).body.file.locked_by).toBeNull();
    await eventually(async () => (await api(t.server.url, '/api/health')).body.detail === null, 5000, 'report gone with the record');
  });

  it('a record with a queue removed by hand while the server was down is handed over as it starts', async () => {
    await post('/api/files/checkout', { filename: F, user: 'alice' });
    await post('/api/files/wait', { filename: F, user: 'bob' });
    await t.server.close();
    await writeFile(t.vault.locksFile, '{}');
    t.server = await startServer(t.vault, { admins: ['boss'] });
    await eventually(async () => (await api(t.server.url, `/api/files/${F}`)).body.locked_by === 'bob', 5000, 'handed over at start');
    expect((await api(t.server.url, `/api/files/${F}`)).body.lock).toMatchObject({ handed_over_from: 'alice' });
  });

  it('until: kept on the lock when valid; in the past, not ISO or beyond 365 days is 400', async () => {
    for (const until of [new Date(Date.now() - 60_000).toISOString(), 'tomorrow', '2026-13-45T00:00:00Z', new Date(Date.now() + 400 * 86_400_000).toISOString(), 'x'.repeat(5000)]) {
      const r = await post('/api/files/checkout', { filename: F, user: 'alice', until });
      expect(r.status, until.slice(0, 40)).toBe(400);
      expect(r.body.code).toBe('INVALID_REQUEST');
    }
    expect((await api(t.server.url, '/api/locks')).body.locks).toEqual({});
    const until = hour();
    const ok = await post('/api/files/checkout', { filename: F, user: 'alice', until });
    expect(ok.body.file.lock.until).toBe(until);
    const s = await connect(t.server.url, 'carol');
    try {
      expect(await s.socket.emitWithAck('checkout', { filename: 'PN1002.mcam', until: 'soon' })).toMatchObject({ ok: false, code: 'INVALID_REQUEST' });
    } finally {
      s.close();
    }
  });

  it('a nudge to a holder with no page open says so, and reaches the page they open next (only requests for files they still hold)', async () => {
    await post('/api/files/checkout', { filename: 'PN1001.mcam', user: 'dora' });
    await post('/api/files/checkout', { filename: 'PN1002.mcam', user: 'dora' });
    expect((await post('/api/files/nudge', { filename: 'PN1001.mcam', user: 'bob', message: 'need it for OP20' })).body).toEqual({ success: true, holder_online: false });
    expect((await post('/api/files/nudge', { filename: 'PN1002.mcam', user: 'bob' })).body).toEqual({ success: true, holder_online: false });
    await post('/api/files/checkin', { filename: 'PN1002.mcam', user: 'dora' });
    const dora = await connect(t.server.url, 'dora');
    try {
      expect(await dora.waitFor('lock:nudged')).toMatchObject({ filename: 'PN1001.mcam', by: 'bob', message: 'need it for OP20' });
      // Nothing about PN1002.mcam, which dora no longer holds: a sync is answered after the requests were sent.
      await dora.socket.emitWithAck('sync', {});
      expect(dora.received.filter((r) => r.event === 'lock:nudged').map((r) => (r.data as { filename: string }).filename)).toEqual(['PN1001.mcam']);
    } finally {
      dora.close();
    }
    // A second page that opens while another is open gets nothing again (the first had it).
    const first = await connect(t.server.url, 'dora');
    const second = await connect(t.server.url, 'dora');
    try {
      await second.socket.emitWithAck('sync', {});
      expect(second.received.filter((r) => r.event === 'lock:nudged')).toEqual([]);
    } finally {
      first.close();
      second.close();
    }
  });

  it('nudge reaches the holder\'s sockets as lock:nudged, is logged, and is limited per caller and file', async () => {
    await post('/api/files/checkout', { filename: F, user: 'alice' });
    const alice = await connect(t.server.url, 'alice');
    const other = await connect(t.server.url, 'someone');
    try {
      expect((await post('/api/files/nudge', { filename: 'PN1002.mcam', user: 'bob' })).body.code).toBe('NOT_LOCKED');
      expect((await post('/api/files/nudge', { filename: F, user: 'alice' })).status).toBe(403);
      expect((await post('/api/files/nudge', { filename: 'nope.mcam', user: 'bob' })).status).toBe(404);
      expect((await post('/api/files/nudge', { filename: F, user: 'bob', message: 'lunch?' })).body).toEqual({ success: true, holder_online: true });
      expect(await alice.waitFor('lock:nudged')).toMatchObject({ filename: F, by: 'bob', message: 'lunch?', at: expect.any(String) });
      const again = await post('/api/files/nudge', { filename: F, user: 'bob' });
      expect(again.status).toBe(429);
      expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(500);
      const carol = await connect(t.server.url, 'carol');
      expect(await carol.socket.emitWithAck('nudge', { filename: F })).toEqual({ ok: true, success: true, holder_online: true });
      carol.close();
      await eventually(() => alice.received.filter((r) => r.event === 'lock:nudged').length === 2, 3000, 'second nudge');
      expect(other.received.some((r) => r.event === 'lock:nudged')).toBe(false);
      expect((await events()).filter((e) => e.type === 'nudge').map((e) => `${e.user}>${e.previous_user}`)).toEqual(['bob>alice', 'carol>alice']);
    } finally {
      alice.close();
      other.close();
    }
  });

  it('pdm-live watch prints the queue, the hand-off and the nudge', async () => {
    const w = spawn(process.execPath, [BIN, 'watch', '--url', t.server.url], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    w.stdout.on('data', (d) => (out += d));
    try {
      await post('/api/files/checkout', { filename: F, user: 'alice' });
      await post('/api/files/wait', { filename: F, user: 'bob' });
      await post('/api/files/nudge', { filename: F, user: 'bob', message: 'soon?' });
      await post('/api/files/checkin', { filename: F, user: 'alice' });
      await eventually(() => out.includes(`checkout ${F} by bob (handed over by alice)`), 8000, 'watch output');
      expect(out).toContain(`queued ${F} by bob (held by alice)`);
      expect(out).toContain(`nudge ${F} by bob (held by alice): "soon?"`);
    } finally {
      w.kill('SIGINT');
    }
  });

  it('presence: online while a socket is connected, then last seen; presence events go out', async () => {
    const watcher = await connect(t.server.url, 'watcher');
    const alice = await connect(t.server.url, 'alice');
    try {
      const list = (await api(t.server.url, '/api/presence')).body.users;
      expect(list.find((u: any) => u.user === 'alice')).toMatchObject({ online: true, last_seen: expect.any(String) });
      alice.close();
      await watcher.waitFor('presence', (p) => p.user === 'alice' && p.online === false);
      expect((await api(t.server.url, '/api/presence')).body.users.find((u: any) => u.user === 'alice')).toMatchObject({ online: false, last_seen: expect.any(String) });
    } finally {
      watcher.close();
    }
  });
});

describe('waiting in users mode', () => {
  it('a waiter removed from the users file is skipped at hand-off', async () => {
    const vault = await makeVault();
    const usersFile = join(vault.outside, 'users.json');
    const people: Record<string, [string, 'user' | 'admin']> = { alice: ['alice-password', 'user'], bob: ['bob-password', 'user'], carol: ['carol-password', 'user'] };
    await writeUsersFile(usersFile, { ...people });
    const server = await startServer(vault, { usersFile });
    try {
      const token: Record<string, string> = {};
      for (const who of Object.keys(people)) token[who] = (await api(server.url, '/api/session', { json: { user: who, password: `${who}-password` } })).body.token;
      const as = (who: string) => ({ authorization: `Bearer ${token[who]!}` });
      await api(server.url, '/api/files/checkout', { json: { filename: F }, headers: as('alice') });
      await api(server.url, '/api/files/wait', { json: { filename: F }, headers: as('bob') });
      await api(server.url, '/api/files/wait', { json: { filename: F }, headers: as('carol') });
      // Bob removed as `pdm-live user remove` does it: the others' records (and sessions) stay.
      await writeUsers(usersFile, (await readUsers(usersFile)).filter((u) => u.name !== 'bob'));
      const r = await api(server.url, '/api/files/checkin', { json: { filename: F }, headers: as('alice') });
      expect(r.body.file).toMatchObject({ locked_by: 'carol', lock: { handed_over_from: 'alice' } });
      expect(r.body.file.queue).toEqual([]);
    } finally {
      await server.close();
      await vault.cleanup();
    }
  });
});

describe('waiting with two server processes on one vault', () => {
  it('a hand edit is handed over once; a nudge on one server reaches the holder on the other; presence is shared', async () => {
    const vault = await makeVault();
    const a = await spawnServer(['--repo', vault.root]);
    const b = await spawnServer(['--repo', vault.root]);
    try {
      await api(a.url, '/api/files/checkout', { json: { filename: F, user: 'alice' } });
      await api(b.url, '/api/files/wait', { json: { filename: F, user: 'bob' } });
      await api(a.url, '/api/files/wait', { json: { filename: F, user: 'carol' } });
      // Both servers see the record go; the file is handed over once, to bob.
      const locks = JSON.parse(await readFile(vault.locksFile, 'utf8'));
      delete locks[F];
      await writeFile(vault.locksFile, JSON.stringify(locks));
      for (const s of [a, b]) await eventually(async () => (await api(s.url, `/api/files/${F}`)).body.locked_by === 'bob', 8000, 'handed over');
      await new Promise((r) => setTimeout(r, 500));
      const log = (await api(a.url, '/api/activity?limit=100')).body.events as Array<{ type: string; user: string; handoff?: boolean }>;
      expect(log.filter((e) => e.type === 'checkout' && e.handoff).map((e) => e.user)).toEqual(['bob']);
      expect(JSON.parse(await readFile(vault.locksFile, 'utf8'))[F]).toMatchObject({ user: 'bob', queue: [{ user: 'carol' }] });

      const bob = await connect(a.url, 'bob');
      try {
        expect((await api(b.url, '/api/files/nudge', { json: { filename: F, user: 'carol', message: 'please' } })).status).toBe(200);
        expect(await bob.waitFor('lock:nudged', () => true, 8000)).toMatchObject({ filename: F, by: 'carol', message: 'please' });
        await eventually(async () => (await api(b.url, '/api/presence')).body.users.some((u: any) => u.user === 'bob' && u.online), 8000, 'bob online as seen from the other server');
      } finally {
        bob.close();
      }
      await eventually(async () => (await api(b.url, '/api/presence')).body.users.some((u: any) => u.user === 'bob' && !u.online), 8000, 'bob offline as seen from the other server');
    } finally {
      await a.stop();
      await b.stop();
    }
    // A restart keeps who was seen when.
    const c = await spawnServer(['--repo', vault.root]);
    try {
      expect((await api(c.url, '/api/presence')).body.users.find((u: any) => u.user === 'bob')).toMatchObject({ online: false, last_seen: expect.any(String) });
    } finally {
      await c.stop();
      await vault.cleanup();
    }
  });
});
