import { rename, rm, writeFile } from 'node:fs/promises';
import { io } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileAck } from '../../shared/protocol.js';
import { api, eventually, startServer, type TestServer } from '../support/server.js';
import { connect, type Observer } from '../support/sockets.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';

const lockRec = (user: string, message = '') => ({ user, timestamp: '2026-11-22T10:00:00.000Z', message });

describe('live events over Socket.IO', () => {
  let vault: TempVault;
  let server: TestServer;
  let alice: Observer;
  let bob: Observer;
  beforeEach(async () => {
    vault = await makeVault();
    server = await startServer(vault, { admins: ['boss'] });
    alice = await connect(server.url, 'alice');
    bob = await connect(server.url, 'bob');
  });
  afterEach(async () => {
    alice.close();
    bob.close();
    await server.close();
    await vault.cleanup();
  });

  /** Lock and file events seen by a socket, revisions checked to grow by exactly one. */
  function revisions(o: Observer): number[] {
    return o.received.filter((r) => /^(lock|file):/.test(r.event)).map((r) => r.data.board_revision ?? r.data.revision);
  }

  it('sends a snapshot with files, locks, health and revision on connection', () => {
    const s = alice.snapshots[0]!;
    expect(s.files.map((f) => f.name)).toEqual(['PN1001.mcam', 'PN1002.mcam', 'PN1003.vnc', 'customer-a/PN2002.vnc']);
    expect(s.locks).toEqual({});
    expect(s.health).toMatchObject({ status: 'ok', locks: 'ok', detail: null });
    expect(typeof s.revision).toBe('number');
  });

  it('sockets connecting together share one snapshot send, and an event never arrives before its snapshot', async () => {
    const crowd = Array.from({ length: 12 }, (_, i) => io(server.url, { auth: { user: `c${i}` }, transports: ['websocket'], reconnection: false, forceNew: true }));
    const seen: string[][] = crowd.map(() => []);
    crowd.forEach((s, i) => s.onAny((event: string) => seen[i]!.push(event)));
    try {
      // A change while they are still connecting: each socket sees it after its snapshot, or its
      // snapshot already holds it.
      await new Promise((r) => setTimeout(r, 5));
      expect((await api(server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'zoe' } })).status).toBe(200);
      await eventually(() => seen.every((e) => e.includes('snapshot')), 5000, 'a snapshot for every socket');
      for (const events of seen) {
        expect(events[0]).toBe('snapshot');
        expect(events.filter((e) => e === 'snapshot')).toHaveLength(1);
      }
    } finally {
      crowd.forEach((s) => s.close());
    }
  });

  it('events that queue up for a socket while its last write is under way go out in one write, all of them, in order', async () => {
    const [s] = [...server.app.io.of('/').sockets.values()].filter((x) => x.data.caller.user === 'alice');
    const tcp = (s!.conn as unknown as { transport: { socket: { _socket: Record<'_write' | '_writev', (...args: unknown[]) => unknown> } } }).transport.socket._socket;
    let writes = 0;
    for (const m of ['_write', '_writev'] as const) {
      const orig = tcp[m];
      tcp[m] = function (this: unknown, ...args: unknown[]) {
        writes++;
        return orig.apply(this, args);
      };
    }
    const before = alice.received.length;
    for (let i = 0; i < 20; i++) s!.emit('presence', { user: `p${i}`, online: true, last_seen: null });
    const mine = () => alice.received.slice(before).filter((r) => r.event === 'presence' && /^p\d+$/.test(r.data.user)).map((r) => r.data.user);
    await eventually(() => mine().length >= 20, 5000, '20 presence events');
    expect(mine()).toEqual(Array.from({ length: 20 }, (_, i) => `p${i}`));
    // The first goes at once; the other 19 queue behind it and leave together (one write each
    // would be 20; a presence event of another test socket may add one or two).
    expect(writes).toBeLessThanOrEqual(6);
  });

  it('when alice checks out over the socket, bob sees lock:acquired and activity; check-in gives lock:released', async () => {
    const ack = await alice.socket.emitWithAck('checkout', { filename: 'PN1001.mcam', message: 'Working on revisions' });
    expect(ack).toMatchObject({ ok: true, file: { status: 'checked_out', locked_by: 'alice' } });
    const acquired = await bob.waitFor('lock:acquired');
    expect(acquired).toMatchObject({ filename: 'PN1001.mcam', lock: { user: 'alice', message: 'Working on revisions' }, source: 'api' });
    expect(await bob.waitFor('activity', (e) => e.type === 'checkout')).toMatchObject({ filename: 'PN1001.mcam', user: 'alice', source: 'api', id: expect.any(String) });
    await alice.socket.emitWithAck('checkin', { filename: 'PN1001.mcam' });
    expect(await bob.waitFor('lock:released')).toMatchObject({ filename: 'PN1001.mcam', previous: { user: 'alice' }, by: 'alice', forced: false, source: 'api' });
    const revs = revisions(bob);
    expect(revs).toEqual([revs[0], revs[0]! + 1]);
  });

  it('an HTTP check-out reaches sockets too, and a forced release says so', async () => {
    await api(server.url, '/api/files/checkout', { json: { filename: 'PN1002.mcam', user: 'carol' } });
    await bob.waitFor('lock:acquired', (d) => d.filename === 'PN1002.mcam');
    await api(server.url, '/api/files/checkin', { json: { filename: 'PN1002.mcam', user: 'boss', force: true } });
    expect(await bob.waitFor('lock:released')).toMatchObject({ by: 'boss', forced: true, previous: { user: 'carol' } });
    expect(await bob.waitFor('activity', (e) => e.type === 'force_release')).toMatchObject({ user: 'boss', previous_user: 'carol' });
  });

  it('acks every error code with {ok:false, code, detail} and keeps the connection', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['checkout', { filename: 42 }, 'INVALID_REQUEST'],
      ['checkout', null, 'INVALID_REQUEST'],
      ['checkout', { filename: '../x.mcam' }, 'INVALID_REQUEST'],
      ['checkout', { filename: 'missing.mcam' }, 'FILE_NOT_FOUND'],
      ['checkin', { filename: 'PN1001.mcam' }, 'NOT_LOCKED'],
    ];
    for (const [cmd, payload, code] of cases) {
      const ack = (await (alice.socket as any).emitWithAck(cmd, payload)) as FileAck;
      expect(ack, `${cmd} ${JSON.stringify(payload)}`).toMatchObject({ ok: false, code, detail: expect.any(String) });
    }
    await bob.socket.emitWithAck('checkout', { filename: 'PN1001.mcam' });
    expect(await alice.socket.emitWithAck('checkout', { filename: 'PN1001.mcam' })).toMatchObject({ ok: false, code: 'ALREADY_LOCKED', lock: { user: 'bob' } });
    expect(await alice.socket.emitWithAck('checkin', { filename: 'PN1001.mcam' })).toMatchObject({ ok: false, code: 'NOT_LOCK_OWNER', lock: { user: 'bob' } });
    expect(await alice.socket.emitWithAck('checkin', { filename: 'PN1001.mcam', force: true })).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    await writeFile(vault.locksFile, '{oops');
    await eventually(() => alice.received.some((r) => r.event === 'health' && r.data.status === 'degraded'), 3000, 'health event');
    expect(await alice.socket.emitWithAck('checkout', { filename: 'PN1002.mcam' })).toMatchObject({ ok: false, code: 'LOCKS_UNAVAILABLE' });
    expect(alice.socket.connected).toBe(true);
    const sync = await alice.socket.emitWithAck('sync', {});
    expect(sync).toMatchObject({ ok: true, revision: expect.any(Number), health: { status: 'degraded' } });
  });

  it('a hand edit of locks.json becomes disk events: acquired, updated, released', async () => {
    await writeFile(vault.locksFile, JSON.stringify({ 'PN1003.vnc': lockRec('dave', 'by hand') }, null, 2));
    expect(await bob.waitFor('lock:acquired')).toMatchObject({ filename: 'PN1003.vnc', lock: { user: 'dave' }, source: 'disk' });
    // Each edit is journaled before the next (edits faster than that are recorded as one change).
    const logged = (n: number) => eventually(async () => ((await api(server.url, '/api/activity')).body.events.length >= n ? true : null));
    await logged(1);
    // An editor saving by rename-over.
    await writeFile(`${vault.locksFile}.swp`, JSON.stringify({ 'PN1003.vnc': lockRec('dave', 'edited') }, null, 2));
    await rename(`${vault.locksFile}.swp`, vault.locksFile);
    expect(await bob.waitFor('lock:updated')).toMatchObject({ filename: 'PN1003.vnc', lock: { message: 'edited' }, previous: { message: 'by hand' }, source: 'disk' });
    await logged(2);
    await rm(vault.locksFile);
    expect(await bob.waitFor('lock:released')).toMatchObject({ filename: 'PN1003.vnc', by: null, forced: false, source: 'disk' });
    const types = await eventually(async () => {
      const ev = (await api(server.url, '/api/activity')).body.events;
      return ev.length >= 3 ? ev : null;
    });
    expect(types.map((e: any) => [e.type, e.source])).toEqual([
      ['checkout', 'disk'],
      ['lock_edited', 'disk'],
      ['checkin', 'disk'],
    ]);
  });

  it('twenty rapid hand edits end in the right state', async () => {
    for (let i = 0; i < 20; i++) {
      await writeFile(vault.locksFile, JSON.stringify({ 'PN1001.mcam': lockRec('dave', `edit ${i}`) }, null, 2));
    }
    await eventually(() => server.app.store.get('PN1001.mcam')?.message === 'edit 19', 3000, 'final edit');
    await eventually(() => {
      const last = bob.received.filter((r) => r.event.startsWith('lock:')).at(-1);
      return last?.data.lock?.message === 'edit 19';
    }, 3000, 'final edit pushed');
  });

  it('vault changes: added, changed, removed, in sub-folders too; untracked files are ignored', async () => {
    await vault.write('new/deep/N1.mcam', 'one');
    await vault.write('ignored.txt', 'x');
    expect(await bob.waitFor('file:added')).toMatchObject({ file: { name: 'new/deep/N1.mcam', size_bytes: 3, status: 'available' } });
    await vault.write('new/deep/N1.mcam', 'longer');
    expect(await bob.waitFor('file:changed')).toMatchObject({ file: { name: 'new/deep/N1.mcam', size_bytes: 6 } });
    await rm(`${vault.root}/new`, { recursive: true });
    expect(await bob.waitFor('file:removed')).toMatchObject({ filename: 'new/deep/N1.mcam' });
    expect(bob.received.some((r) => JSON.stringify(r.data).includes('ignored.txt'))).toBe(false);
    const revs = revisions(bob);
    revs.forEach((r, i) => i > 0 && expect(r).toBe(revs[i - 1]! + 1));
  });

  it('1,000 files dropped in at once: coalesced into batches, health stays fast, clients converge', async () => {
    const writes = Array.from({ length: 1000 }, (_, i) => vault.write(`drop/F${String(i).padStart(4, '0')}.mcam`, 'x'));
    // How fast health answers meanwhile is measured in bench/stop-and-recover.ts.
    const health = await api(server.url, '/api/health');
    expect(health.status).toBe(200);
    await Promise.all(writes);
    await eventually(() => bob.received.filter((r) => r.event === 'file:added').length === 1000, 15_000, '1000 file:added');
    expect((await api(server.url, '/api/health')).status).toBe(200);
    const files = (await api(server.url, '/api/files')).body.files;
    expect(files).toHaveLength(1004);
    const revs = revisions(bob);
    revs.forEach((r, i) => i > 0 && expect(r).toBe(revs[i - 1]! + 1));
  });
});
