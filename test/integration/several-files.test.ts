import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { api, serverPerTest } from '../support/server.js';
import { connect } from '../support/sockets.js';

const JOB = ['PN1001.mcam', 'PN1002.mcam', 'PN1003.vnc'];

describe('several files at once, and a forced release with a reason', () => {
  const t = serverPerTest({ admins: ['boss'] });
  const post = (path: string, json: unknown) => api(t.server.url, path, { json });
  const locksOnDisk = async () => JSON.parse(await readFile(t.vault.locksFile, 'utf8').catch(() => '{}')) as Record<string, { user: string }>;

  it('checks out and in several files in one write, out as one batch; all or nothing', async () => {
    const observer = await connect(t.server.url, 'observer');
    try {
      const out = await post('/api/files/checkout', { filenames: JOB, message: 'job 4711', user: 'alice' });
      expect(out.status).toBe(200);
      expect(out.body.files.map((f: any) => [f.name, f.locked_by, f.lock.message])).toEqual(JOB.map((n) => [n, 'alice', 'job 4711']));
      const batch = await observer.waitFor('lock:acquired', (d) => d.filename === 'PN1003.vnc');
      expect(batch).toBeDefined();
      expect(observer.received.filter((r) => r.event === 'lock:acquired').map((r) => r.data.revision)).toEqual([1, 2, 3]);
      expect(Object.keys(await locksOnDisk()).sort()).toEqual([...JOB].sort());

      // One of them held: nothing changes, and the answer names who holds what.
      const clash = await post('/api/files/checkout', { filenames: ['customer-a/PN2002.vnc', 'PN1002.mcam'], user: 'bob' });
      expect(clash.status).toBe(409);
      expect(clash.body).toMatchObject({ code: 'ALREADY_LOCKED', locks: { 'PN1002.mcam': { user: 'alice' } } });
      const missing = await post('/api/files/checkout', { filenames: ['customer-a/PN2002.vnc', 'nope.mcam'], user: 'bob' });
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ code: 'FILE_NOT_FOUND', missing: ['nope.mcam'] });
      for (const bad of [{ filenames: [] }, { filenames: ['PN1001.mcam', 'PN1001.mcam'] }, { filenames: Array.from({ length: 501 }, (_, i) => `x${i}.mcam`) }, { filenames: 'PN1001.mcam' }]) {
        const r = await post('/api/files/checkout', { ...bad, user: 'bob' });
        expect(r.status, JSON.stringify(bad).slice(0, 60)).toBe(400);
      }
      expect((await locksOnDisk())['customer-a/PN2002.vnc']).toBeUndefined();

      // Check-in: every one must be the caller's.
      expect((await post('/api/files/checkin', { filenames: JOB, user: 'bob' })).body.code).toBe('NOT_LOCK_OWNER');
      expect((await post('/api/files/checkin', { filenames: [...JOB, 'customer-a/PN2002.vnc'], user: 'alice' })).body.code).toBe('NOT_LOCKED');
      expect(Object.keys(await locksOnDisk())).toHaveLength(3);
      const back = await post('/api/files/checkin', { filenames: JOB, comment: 'posted', user: 'alice' });
      expect(back.status).toBe(200);
      expect(back.body.files.every((f: any) => f.status === 'available')).toBe(true);
      expect(await locksOnDisk()).toEqual({});
    } finally {
      observer.close();
    }
  });

  it('a several-file check-out racing a single check-out on one of its files: exactly one wins, the loser changed nothing', async () => {
    for (let round = 0; round < 10; round++) {
      const [many, one] = await Promise.all([post('/api/files/checkout', { filenames: JOB, user: 'alice' }), post('/api/files/checkout', { filename: 'PN1002.mcam', user: 'bob' })]);
      expect([many.status, one.status].sort()).toEqual([200, 409]);
      const locks = await locksOnDisk();
      if (many.status === 200) expect(Object.values(locks).map((l) => l.user)).toEqual(['alice', 'alice', 'alice']);
      else expect(locks).toEqual({ 'PN1002.mcam': expect.objectContaining({ user: 'bob' }) });
      if (many.status === 200) await post('/api/files/checkin', { filenames: JOB, user: 'alice' });
      else await post('/api/files/checkin', { filename: 'PN1002.mcam', user: 'bob' });
    }
  });

  it('over a socket too; the ack carries every file', async () => {
    const s = await connect(t.server.url, 'carol');
    try {
      const emit = s.socket.emitWithAck.bind(s.socket) as (ev: string, p: unknown) => Promise<any>;
      const ack = await emit('checkout', { filenames: ['PN1001.mcam', 'PN1003.vnc'] });
      expect(ack).toMatchObject({ ok: true, files: [{ name: 'PN1001.mcam', locked_by: 'carol' }, { name: 'PN1003.vnc', locked_by: 'carol' }] });
      expect(await emit('checkin', { filenames: ['PN1001.mcam', 'PN1003.vnc'] })).toMatchObject({ ok: true, files: [{ status: 'available' }, { status: 'available' }] });
      expect(await emit('checkout', { filenames: [] })).toMatchObject({ ok: false, code: 'INVALID_REQUEST' });
    } finally {
      s.close();
    }
  });

  it('a forced release carries its reason: in the activity log and on lock:released', async () => {
    const alice = await connect(t.server.url, 'alice');
    try {
      await post('/api/files/checkout', { filename: 'PN1001.mcam', user: 'alice' });
      const r = await post('/api/files/checkin', { filename: 'PN1001.mcam', user: 'boss', force: true, reason: 'alice is on holiday; the job ships today' });
      expect(r.status).toBe(200);
      expect(await alice.waitFor('lock:released')).toMatchObject({ forced: true, by: 'boss', reason: 'alice is on holiday; the job ships today' });
      const events = (await api(t.server.url, '/api/activity')).body.events;
      expect(events.at(-1)).toMatchObject({ type: 'force_release', user: 'boss', previous_user: 'alice', message: 'alice is on holiday; the job ships today' });
      expect((await post('/api/files/checkin', { filename: 'PN1001.mcam', user: 'boss', force: true, reason: 'x'.repeat(2001) })).status).toBe(400);
    } finally {
      alice.close();
    }
  });
});
