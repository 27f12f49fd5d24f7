import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nextRevision } from '../../server/states/state-rules.js';
import { api, eventually, serverPerTest, startServer } from '../support/server.js';
import { afterEverythingBefore, connect } from '../support/sockets.js';
import { run } from '../support/processes.js';
import { makeVault } from '../support/temp-vault.js';
import { writeUsersFile } from '../support/users.js';

const F = 'PN1001.mcam';
const setState = (url: string, name: string, body: Record<string, unknown>, headers: Record<string, string> = {}) => api(url, `/api/files/${name}/state`, { json: body, headers });

describe('release states (CONTRACT §18), open mode', () => {
  const t = serverPerTest({ admins: ['boss'], approvers: ['quinn'] });
  const file = async (name = F) => (await api(t.server.url, `/api/files/${name}`)).body;
  const states = async () => JSON.parse(await readFile(join(t.vault.dataDir, 'states.json'), 'utf8'));

  it('revision labels run A … Z, AA … ZZ, AAA', () => {
    expect(['A', 'B', 'Y', 'Z', 'AA', 'AZ', 'ZZ'].map(nextRevision)).toEqual(['B', 'C', 'Z', 'AA', 'AB', 'BA', 'AAA']);
  });

  it('every transition, each role: draft → proven (anyone), → released and → obsolete (approvers, with a comment), → draft (approvers); the rest refused', async () => {
    expect(await file()).toMatchObject({ state: 'draft', revision: 'A', state_changed: null });
    const watcher = await connect(t.server.url, 'watcher');
    try {
      // Nothing else: a draft cannot be released or made obsolete at once.
      for (const state of ['released', 'obsolete', 'draft']) expect((await setState(t.server.url, F, { state, user: 'boss', comment: 'x' })).body.code, state).toBe('INVALID_TRANSITION');
      const proven = await setState(t.server.url, F, { state: 'proven', user: 'alice' });
      expect(proven.status).toBe(200);
      expect(proven.body.file).toMatchObject({ state: 'proven', revision: 'A', state_changed: { by: 'alice', comment: null } });
      const ev = await watcher.waitFor('file:state', (d) => d.filename === F);
      expect(ev).toMatchObject({ filename: F, state: 'proven', revision: 'A', by: 'alice', comment: null, board_revision: expect.any(Number) });
      // Releasing: not alice (403), not without a comment (400), then an --approvers name.
      expect((await setState(t.server.url, F, { state: 'released', user: 'alice', comment: 'ran on M3' })).status).toBe(403);
      expect((await setState(t.server.url, F, { state: 'released', user: 'quinn' })).status).toBe(400);
      expect((await setState(t.server.url, F, { state: 'proven', user: 'quinn' })).body.code).toBe('INVALID_TRANSITION');
      const released = await setState(t.server.url, F, { state: 'released', user: 'quinn', comment: 'ran on M3, first article OK' });
      expect(released.body.file).toMatchObject({ state: 'released', revision: 'A', state_changed: { by: 'quinn', comment: 'ran on M3, first article OK' } });
      expect((await setState(t.server.url, F, { state: 'obsolete', user: 'alice', comment: 'replaced' })).status).toBe(403);
      expect((await setState(t.server.url, F, { state: 'obsolete', user: 'boss' })).status).toBe(400);
      expect((await setState(t.server.url, F, { state: 'obsolete', user: 'boss', comment: 'replaced by PN1002' })).body.file.state).toBe('obsolete');
      expect((await setState(t.server.url, F, { state: 'draft', user: 'alice' })).status).toBe(403);
      expect((await setState(t.server.url, F, { state: 'draft', user: 'boss' })).body.file).toMatchObject({ state: 'draft', revision: 'A' });
      // states.json is the record, human-readable; the log has every change; so has the file's list.
      expect((await states())[F]).toMatchObject({ state: 'draft', revision: 'A', by: 'boss' });
      const log = (await api(t.server.url, `/api/activity?type=state_changed&filename=${F}`)).body.events;
      expect(log.map((e: any) => [e.state, e.user, e.message])).toEqual([['proven', 'alice', null], ['released', 'quinn', 'ran on M3, first article OK'], ['obsolete', 'boss', 'replaced by PN1002'], ['draft', 'boss', null]]);
      const listed = (await api(t.server.url, `/api/files/${F}/states`)).body.changes;
      expect(listed.map((c: any) => c.state)).toEqual(['draft', 'obsolete', 'released', 'proven']);
      const csv = (await api(t.server.url, '/api/activity?type=state_changed&format=csv')).body as string;
      expect(csv.split('\n').filter((l) => l.includes('state_changed'))).toHaveLength(4);
    } finally {
      watcher.close();
    }
  });

  it('a checked-out file keeps its state (409 ALREADY_LOCKED); bad input is 400 and changes nothing', async () => {
    await api(t.server.url, '/api/files/checkout', { json: { filename: F, user: 'alice' } });
    expect((await setState(t.server.url, F, { state: 'proven', user: 'alice' })).body.code).toBe('ALREADY_LOCKED');
    for (const body of [{ state: 'shipped', user: 'a' }, { user: 'a' }, { state: 'proven', user: 'a', comment: 'x'.repeat(3000) }, { state: 'proven', user: 'a', password: 7 }]) {
      const r = await setState(t.server.url, 'PN1002.mcam', body);
      expect([r.status, r.body.code], JSON.stringify(body).slice(0, 60)).toEqual([400, 'INVALID_REQUEST']);
    }
    expect((await setState(t.server.url, 'nope.mcam', { state: 'proven', user: 'a' })).status).toBe(404);
    expect((await file('PN1002.mcam')).state).toBe('draft');
  });

  it('checking out a released file starts the next revision as a draft: HTTP, socket, several files, Git LFS', async () => {
    const release = async (name: string) => {
      await setState(t.server.url, name, { state: 'proven', user: 'alice' });
      expect((await setState(t.server.url, name, { state: 'released', user: 'boss', comment: 'signed off' })).status).toBe(200);
    };
    for (const n of ['PN1001.mcam', 'PN1002.mcam', 'PN1003.vnc', 'customer-a/PN2002.vnc']) await release(n);
    const bob = await connect(t.server.url, 'bob');
    const watcher = await connect(t.server.url, 'watcher');
    try {
      // HTTP: the answer and lock:acquired say which revision it started.
      const out = await api(t.server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice' } });
      expect(out.body).toMatchObject({ new_revision: 'B', file: { state: 'draft', revision: 'B', locked_by: 'alice' } });
      expect(await watcher.waitFor('lock:acquired', (d) => d.filename === 'PN1001.mcam')).toMatchObject({ new_revision: 'B' });
      expect(await watcher.waitFor('file:state', (d) => d.filename === 'PN1001.mcam' && d.revision === 'B')).toMatchObject({ state: 'draft', by: 'alice' });
      // The released content stays a version (the content at check-out).
      expect((await api(t.server.url, '/api/files/PN1001.mcam/versions')).body.versions.length).toBeGreaterThan(0);
      // A socket.
      const ack: any = await bob.socket.emitWithAck('checkout', { filename: 'PN1002.mcam' });
      expect(ack).toMatchObject({ ok: true, new_revision: 'B', file: { state: 'draft', revision: 'B' } });
      // Several at once.
      const many = await api(t.server.url, '/api/files/checkout', { json: { filenames: ['PN1003.vnc'], user: 'carol' } });
      expect(many.body.files[0]).toMatchObject({ state: 'draft', revision: 'B' });
      // Git LFS.
      const lfs = await api(t.server.url, '/api/lfs/locks', { json: { path: 'customer-a/PN2002.vnc' }, headers: { 'x-pdm-user': 'dave', accept: 'application/vnd.git-lfs+json', 'content-type': 'application/vnd.git-lfs+json' } });
      expect(lfs.status).toBe(201);
      expect(await file('customer-a/PN2002.vnc')).toMatchObject({ state: 'draft', revision: 'B' });
      // A draft's check-out starts nothing.
      await api(t.server.url, '/api/files/checkin', { json: { filename: 'PN1001.mcam', user: 'alice' } });
      const again = await api(t.server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice' } });
      expect(again.body.new_revision).toBeUndefined();
      expect(again.body.file.revision).toBe('B');
    } finally {
      bob.close();
      watcher.close();
    }
  });

  it('states.json edited by hand: a valid edit reaches sockets live; one that does not parse is never written over and refuses state changes (503) while locks go on; a BOM is fine', async () => {
    const watcher = await connect(t.server.url, 'watcher');
    try {
      const path = join(t.vault.dataDir, 'states.json');
      await writeFile(path, '\ufeff' + JSON.stringify({ [F]: { state: 'released', revision: 'C', by: 'notepad', at: '2026-12-01T10:00:00.000Z', comment: 'by hand' } }, null, 2).replaceAll('\n', '\r\n'));
      expect(await watcher.waitFor('file:state', (d) => d.filename === F && d.revision === 'C')).toMatchObject({ state: 'released', by: 'notepad', comment: 'by hand' });
      await eventually(async () => (await api(t.server.url, `/api/activity?type=state_changed&filename=${F}`)).body.events.length === 1, 5000, 'the hand edit logged');
      const bad = '{"PN1001.mcam": {"state": "shipped", "revision": "C"}}';
      await writeFile(path, bad);
      await eventually(async () => /states\.json/.test((await api(t.server.url, '/api/health')).body.detail ?? ''), 5000, 'health says why');
      const refused = await setState(t.server.url, 'PN1002.mcam', { state: 'proven', user: 'alice' });
      expect([refused.status, refused.body.code]).toEqual([503, 'STATES_UNAVAILABLE']);
      expect((await api(t.server.url, '/api/files/checkout', { json: { filename: 'PN1002.mcam', user: 'alice' } })).status).toBe(200);
      expect(await readFile(path, 'utf8')).toBe(bad);
      // The last good states are still shown.
      expect((await file()).revision).toBe('C');
    } finally {
      watcher.close();
    }
  });
});

describe('release states with --protect', () => {
  const t = serverPerTest({ admins: ['boss'], protect: true });
  const writable = async (name: string) => ((await stat(join(t.vault.root, name))).mode & 0o222) !== 0;

  it('a released file stays read-only on disk under a lock it has not started a revision for (states.json unreadable); a started one is writable', async () => {
    await setState(t.server.url, F, { state: 'proven', user: 'alice' });
    await setState(t.server.url, F, { state: 'released', user: 'boss', comment: 'ok' });
    await setState(t.server.url, 'PN1002.mcam', { state: 'proven', user: 'alice' });
    await setState(t.server.url, 'PN1002.mcam', { state: 'released', user: 'boss', comment: 'ok' });
    // A check-out starts revision B: the draft is writable while held.
    await api(t.server.url, '/api/files/checkout', { json: { filename: 'PN1002.mcam', user: 'alice' } });
    await eventually(() => writable('PN1002.mcam'), 5000, 'B writable');
    // With states.json unreadable the revision cannot start: the released content stays read-only.
    await writeFile(join(t.vault.dataDir, 'states.json'), '{ not json');
    await eventually(async () => /states\.json/.test((await api(t.server.url, '/api/health')).body.detail ?? ''), 5000, 'states unavailable');
    expect((await api(t.server.url, '/api/files/checkout', { json: { filename: F, user: 'alice' } })).status).toBe(200);
    const watcher = await connect(t.server.url, 'w');
    try {
      await afterEverythingBefore(t.vault, watcher);
    } finally {
      watcher.close();
    }
    expect(await writable(F)).toBe(false);
    expect((await api(t.server.url, `/api/files/${F}`)).body).toMatchObject({ state: 'released', locked_by: 'alice' });
  });
});

describe('release states: users mode and several servers', () => {
  it('a release needs the approver\'s password again; a wrong one is 401 and counts as a failed sign-in', async () => {
    const vault = await makeVault();
    const usersFile = join(vault.outside, 'users.json');
    await writeUsersFile(usersFile, { alice: ['alice password 1', 'user'], boss: ['boss password 1', 'admin'] });
    const server = await startServer(vault, { usersFile, signInLimits: { perUser: 3, perAddress: 100, windowMs: 60_000 } });
    try {
      const token = async (user: string) => (await api(server.url, '/api/session', { json: { user, password: `${user} password 1` } })).body.token as string;
      const alice = { authorization: `Bearer ${await token('alice')}` };
      const boss = { authorization: `Bearer ${await token('boss')}` };
      expect((await setState(server.url, F, { state: 'proven' }, alice)).status).toBe(200);
      expect((await setState(server.url, F, { state: 'released', comment: 'ok' }, alice)).status).toBe(403);
      expect((await setState(server.url, F, { state: 'released', comment: 'ok' }, boss)).status).toBe(400);
      for (let i = 0; i < 3; i++) expect((await setState(server.url, F, { state: 'released', comment: 'ok', password: 'wrong' }, boss)).status).toBe(401);
      // Counted like sign-ins: the fourth guess is not even checked.
      expect((await setState(server.url, F, { state: 'released', comment: 'ok', password: 'boss password 1' }, boss)).status).toBe(429);
      expect((await api(server.url, `/api/files/${F}`, { headers: boss })).body.state).toBe('proven');
    } finally {
      await server.close();
      await vault.cleanup();
    }
  });

  it('a correct signature releases, and the entry records who signed and when', async () => {
    const vault = await makeVault();
    const usersFile = join(vault.outside, 'users.json');
    await writeUsersFile(usersFile, { boss: ['boss password 1', 'admin'] });
    const server = await startServer(vault, { usersFile });
    try {
      const boss = { authorization: `Bearer ${(await api(server.url, '/api/session', { json: { user: 'boss', password: 'boss password 1' } })).body.token}` };
      await setState(server.url, F, { state: 'proven' }, boss);
      const r = await setState(server.url, F, { state: 'released', comment: 'signed', password: 'boss password 1' }, boss);
      expect(r.body.file).toMatchObject({ state: 'released', state_changed: { by: 'boss', comment: 'signed' } });
      const entry = (await api(server.url, '/api/activity?type=state_changed', { headers: boss })).body.events.at(-1);
      expect(entry).toMatchObject({ user: 'boss', state: 'released', at: r.body.file.state_changed.at });
    } finally {
      await server.close();
      await vault.cleanup();
    }
  });

  it('two servers racing to release one file: one release, one refusal, one entry; each sees the other\'s state', async () => {
    const vault = await makeVault();
    const a = await startServer(vault, { admins: ['boss'] });
    const b = await startServer(vault, { admins: ['boss'] });
    try {
      await setState(a.url, F, { state: 'proven', user: 'alice' });
      await eventually(async () => (await api(b.url, `/api/files/${F}`)).body.state === 'proven', 5000, 'b sees proven');
      const [ra, rb] = await Promise.all([setState(a.url, F, { state: 'released', user: 'boss', comment: 'from a' }), setState(b.url, F, { state: 'released', user: 'boss', comment: 'from b' })]);
      expect([ra.status, rb.status].sort()).toEqual([200, 409]);
      expect([ra.body.code, rb.body.code]).toContain('INVALID_TRANSITION');
      await eventually(async () => (await api(a.url, `/api/files/${F}`)).body.state === 'released' && (await api(b.url, `/api/files/${F}`)).body.state === 'released', 5000, 'both released');
      const entries = (await api(a.url, '/api/activity?type=state_changed')).body.events.filter((e: any) => e.state === 'released');
      expect(entries).toHaveLength(1);
    } finally {
      await a.close();
      await b.close();
      await vault.cleanup();
    }
  });

  it('pdm-live state: shows a file\'s state and changes, --set changes it (the password from stdin in users mode); exit codes as the other commands', async () => {
    const vault = await makeVault();
    const usersFile = join(vault.outside, 'users.json');
    await writeUsersFile(usersFile, { alice: ['alice password 1', 'user'], boss: ['boss password 1', 'admin'] });
    const server = await startServer(vault, { usersFile });
    try {
      const env = { PDM_URL: server.url };
      const tokenOf = async (user: string) => (await run(['login', '--user', user], { env, input: `${user} password 1\n` })).stdout.trim();
      const alice = { ...env, PDM_TOKEN: await tokenOf('alice') };
      const boss = { ...env, PDM_TOKEN: await tokenOf('boss') };
      const proven = await run(['state', F, '--set', 'proven'], { env: alice });
      expect(proven.code, proven.stderr).toBe(0);
      expect(proven.stdout.trim().split('\t').at(-1)).toBe('proven A');
      const refused = await run(['state', F, '--set', 'released', '--comment', 'ok'], { env: alice, input: 'alice password 1\n' });
      expect([refused.code, refused.stderr.trim().split('\n').length]).toEqual([1, 1]);
      const released = await run(['state', F, '--set', 'released', '--comment', 'first article OK'], { env: boss, input: 'boss password 1\n' });
      expect(released.code, released.stderr).toBe(0);
      const shown = await run(['state', F], { env: boss });
      expect(shown.stdout.split('\n')[0]).toMatch(/^PN1001\.mcam: released A \(boss, /);
      expect(shown.stdout.trim().split('\n').slice(1).map((l) => l.split('\t').slice(0, 3))).toEqual([['released', 'A', 'boss'], ['proven', 'A', 'alice']]);
      const json = JSON.parse((await run(['state', F, '--json'], { env: boss })).stdout);
      expect(json.file.state).toBe('released');
      expect((await run(['state', F, '--set', 'shipped'], { env: boss })).code).toBe(2);
      expect((await run(['state', F], { env: { PDM_URL: 'http://127.0.0.1:1' } })).code).toBe(3);
    } finally {
      await server.close();
      await vault.cleanup();
    }
  });
});
