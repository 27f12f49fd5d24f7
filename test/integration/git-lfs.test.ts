import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { git, lfsRepo, requireGitLfs } from '../support/git-lfs.js';
import { api, startServer, type TestServer } from '../support/server.js';
import { connect } from '../support/sockets.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';
import { writeUsersFile } from '../support/users.js';

const FILES = ['PN1001.mcam', 'PN1002.mcam', 'PN1003.vnc', 'customer-a/PN2002.vnc'];
const LFS = { 'content-type': 'application/vnd.git-lfs+json', accept: 'application/vnd.git-lfs+json' };

describe('Git LFS locks API with the real git-lfs client', () => {
  let vault: TempVault;
  let server: TestServer;
  let lfsUrl: string;
  beforeAll(requireGitLfs);
  beforeEach(async () => {
    vault = await makeVault(FILES);
    server = await startServer(vault, { admins: ['boss'] });
    lfsUrl = `${server.url}/api/lfs`;
  });
  afterEach(async () => {
    await server.close();
    await vault.cleanup();
  });

  const as = async (user: string) => {
    const repo = await lfsRepo(join(vault.outside, user), lfsUrl, user, FILES);
    return (...args: string[]) => git(repo, join(vault.outside, user, 'home'), ['lfs', ...args]);
  };

  it('lock, locks, verify, a refused second lock, unlock and force unlock behave as against any LFS server', async () => {
    const alice = await as('alice');
    const bob = await as('bob');
    const boss = await as('boss');
    const watcher = await connect(server.url, 'page');
    try {
      const lock = await alice('lock', 'PN1001.mcam');
      expect(lock.code, lock.stderr).toBe(0);
      expect(lock.stdout).toMatch(/Locked PN1001.mcam/);
      // The same lock as one taken from the page: in locks.json with an id, live, in the activity trail.
      expect(await watcher.waitFor('lock:acquired')).toMatchObject({ filename: 'PN1001.mcam', lock: { user: 'alice', id: expect.any(String) } });
      expect((await api(server.url, '/api/files/PN1001.mcam')).body.locked_by).toBe('alice');
      const list = await bob('locks');
      expect(list.stdout).toMatch(/^PN1001\.mcam\s+alice\s+ID:\S+$/m);
      const verify = await alice('locks', '--verify');
      expect(verify.stdout).toMatch(/^O PN1001\.mcam\s+alice/m);
      expect((await bob('locks', '--verify')).stdout).toMatch(/^ {2}PN1001\.mcam\s+alice/m);

      const refused = await bob('lock', 'PN1001.mcam');
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/already created lock/);
      // ...and it blocks a check-out from the page, and the other way round.
      expect((await api(server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'carol' } })).status).toBe(409);
      await api(server.url, '/api/files/checkout', { json: { filename: 'PN1002.mcam', user: 'carol' } });
      expect((await alice('lock', 'PN1002.mcam')).code).not.toBe(0);
      expect((await alice('locks')).stdout).toMatch(/^PN1002\.mcam\s+carol/m);

      const notOwner = await bob('unlock', 'PN1001.mcam');
      expect(notOwner.code).not.toBe(0);
      expect(notOwner.stderr).toMatch(/locked by alice/);
      const userForce = await bob('unlock', '--force', 'PN1001.mcam');
      expect(userForce.code).not.toBe(0);
      expect(userForce.stderr).toMatch(/Only an admin/);
      const adminForce = await boss('unlock', '--force', 'PN1001.mcam');
      expect(adminForce.code, adminForce.stderr).toBe(0);
      expect(await watcher.waitFor('lock:released', (d) => d.filename === 'PN1001.mcam')).toMatchObject({ forced: true, by: 'boss' });

      expect((await alice('lock', 'PN1003.vnc')).code).toBe(0);
      const unlock = await alice('unlock', 'PN1003.vnc');
      expect(unlock.code, unlock.stderr).toBe(0);
      const types = (await api(server.url, '/api/activity')).body.events.map((e: any) => `${e.type}:${e.filename}:${e.user}`);
      expect(types).toEqual(['checkout:PN1001.mcam:alice', 'checkout:PN1002.mcam:carol', 'force_release:PN1001.mcam:boss', 'checkout:PN1003.vnc:alice', 'checkin:PN1003.vnc:alice']);
    } finally {
      watcher.close();
    }
  });

  it('without a name, git is told to authenticate (401 with LFS-Authenticate) and fails cleanly', async () => {
    const nobody = await lfsRepo(join(vault.outside, 'nobody'), lfsUrl, '', FILES);
    const r = await git(nobody, join(vault.outside, 'nobody', 'home'), ['lfs', 'locks']);
    expect(r.code).not.toBe(0);
    const res = await fetch(`${lfsUrl}/locks`, { headers: LFS });
    expect(res.status).toBe(401);
    expect(res.headers.get('lfs-authenticate')).toBe('Basic realm="PDM Live"');
    expect((await res.json()) as object).toHaveProperty('message');
  });
});

describe('Git LFS locks API, protocol level', () => {
  let vault: TempVault;
  let server: TestServer;
  let lfs: string;
  const call = (path: string, init: { method?: string; json?: unknown; body?: string; user?: string; headers?: Record<string, string> } = {}) =>
    api(lfs, path, {
      method: init.method ?? (init.json !== undefined || init.body !== undefined ? 'POST' : 'GET'),
      body: init.body ?? (init.json !== undefined ? JSON.stringify(init.json) : undefined),
      headers: { ...LFS, ...(init.user ? { 'x-pdm-user': init.user } : {}), ...init.headers },
    });
  beforeEach(async () => {
    vault = await makeVault([...FILES, ...Array.from({ length: 7 }, (_, i) => `many/M${i}.mcam`)]);
    server = await startServer(vault);
    lfs = `${server.url}/api/lfs`;
  });
  afterEach(async () => {
    await server.close();
    await vault.cleanup();
  });

  it('create answers 201 with the lock; held already is 409 with the lock and a message', async () => {
    const r = await call('/locks', { json: { path: 'PN1001.mcam', ref: { name: 'refs/heads/main' } }, user: 'alice' });
    expect(r.status).toBe(201);
    expect(r.headers.get('content-type')).toMatch(/^application\/vnd\.git-lfs\+json/);
    expect(r.body.lock).toEqual({ id: expect.any(String), path: 'PN1001.mcam', locked_at: expect.any(String), owner: { name: 'alice' } });
    const again = await call('/locks', { json: { path: 'PN1001.mcam' }, user: 'bob' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ lock: { id: r.body.lock.id, owner: { name: 'alice' } }, message: expect.any(String) });
  });

  it('a lock taken from the page has a stable id in LFS, and unlocking by that id works', async () => {
    await api(server.url, '/api/files/checkout', { json: { filename: 'PN1002.mcam', user: 'carol' } });
    const a = (await call('/locks?path=PN1002.mcam', { user: 'x' })).body.locks[0];
    const b = (await call(`/locks?id=${a.id}`, { user: 'y' })).body.locks[0];
    expect(b).toEqual(a);
    const un = await call(`/locks/${a.id}/unlock`, { json: {}, user: 'carol' });
    expect(un.status).toBe(200);
    expect(un.body.lock).toEqual(a);
    expect((await api(server.url, '/api/locks')).body.locks).toEqual({});
  });

  it('pages with cursor and limit, stable across calls, for list and verify', async () => {
    for (let i = 0; i < 7; i++) await call('/locks', { json: { path: `many/M${i}.mcam` }, user: i % 2 ? 'alice' : 'bob' });
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let n = 0; n < 10; n++) {
      const r = await call(`/locks?limit=3${cursor ? `&cursor=${cursor}` : ''}`, { user: 'x' });
      seen.push(...r.body.locks.map((l: any) => l.path));
      cursor = r.body.next_cursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(Array.from({ length: 7 }, (_, i) => `many/M${i}.mcam`));
    const again = await call('/locks?limit=3', { user: 'x' });
    expect(again.body.next_cursor).toBeDefined();
    const v1 = await call('/locks/verify', { json: { limit: 4 }, user: 'alice' });
    expect(v1.status).toBe(200);
    expect(v1.body.ours.map((l: any) => l.path)).toEqual(['many/M1.mcam', 'many/M3.mcam']);
    expect(v1.body.theirs.map((l: any) => l.path)).toEqual(['many/M0.mcam', 'many/M2.mcam']);
    const v2 = await call('/locks/verify', { json: { cursor: v1.body.next_cursor, limit: 4 }, user: 'alice' });
    expect([...v2.body.ours, ...v2.body.theirs].map((l: any) => l.path).sort()).toEqual(['many/M4.mcam', 'many/M5.mcam', 'many/M6.mcam']);
    expect(v2.body.next_cursor).toBeUndefined();
  });

  it.each([
    ['an unknown id', () => call('/locks/nope/unlock', { json: {}, user: 'a' }), 404],
    ['malformed JSON', () => call('/locks', { body: '{"path":', user: 'a' }), 400],
    ['a path outside the vault', () => call('/locks', { json: { path: '../outside/x.mcam' }, user: 'a' }), 400],
    ['a path of an untracked file', () => call('/locks', { json: { path: 'notes.txt' }, user: 'a' }), 400],
    ['a path that does not exist', () => call('/locks', { json: { path: 'nope.mcam' }, user: 'a' }), 404],
    ['a missing path', () => call('/locks', { json: {}, user: 'a' }), 400],
    ['a bad limit', () => call('/locks?limit=0', { user: 'a' }), 400],
    ['an unknown route', () => call('/objects/batch', { json: {}, user: 'a' }), 404],
  ])('%s answers %i with a message', async (_what, run, status) => {
    const r = await run();
    expect(r.status).toBe(status);
    expect(typeof r.body.message).toBe('string');
    expect((await api(server.url, '/api/locks')).body.locks).toEqual({});
  });

  it('not the owner without force: 403 with a message', async () => {
    const { body } = await call('/locks', { json: { path: 'PN1001.mcam' }, user: 'alice' });
    const r = await call(`/locks/${body.lock.id}/unlock`, { json: {}, user: 'bob' });
    expect(r.status).toBe(403);
    expect(r.body.message).toMatch(/locked by alice/);
  });

  it('users mode: HTTP Basic with the password or the bearer token; force needs an admin', async () => {
    await server.close();
    const usersFile = join(vault.outside, 'users.json');
    await writeUsersFile(usersFile, { alice: ['alice-pw', 'user'], boss: ['boss-pw', 'admin'] });
    server = await startServer(vault, { usersFile });
    lfs = `${server.url}/api/lfs`;
    const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
    expect((await call('/locks', { headers: basic('alice', 'wrong') })).status).toBe(401);
    expect((await call('/locks', { user: 'alice' })).status).toBe(401);
    const made = await call('/locks', { json: { path: 'PN1001.mcam' }, headers: basic('alice', 'alice-pw') });
    expect(made.status).toBe(201);
    expect(made.body.lock.owner.name).toBe('alice');
    const token = (await api(server.url, '/api/session', { json: { user: 'boss', password: 'boss-pw' } })).body.token;
    const forced = await call(`/locks/${made.body.lock.id}/unlock`, { json: { force: true }, headers: { authorization: `Bearer ${token}` } });
    expect(forced.status).toBe(200);
  });
});
