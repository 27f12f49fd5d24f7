import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { Attribute, Change } from 'ldapts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FAILED_SIGN_IN_FLOOR_MS } from '../../server/auth/accounts.js';
import type { LdapOptions } from '../../server/auth/ldap-directory.js';
import { createLogger } from '../../server/logger.js';
import { BIN, ROOT, run, spawnServer } from '../support/processes.js';
import { api, eventually, startServer, type TestServer } from '../support/server.js';
import { connect } from '../support/sockets.js';
import { ADMINS, LEADS, PEOPLE, SERVICE, SERVICE_PASSWORD, startSlapd, type Slapd } from '../support/slapd.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';
import { writeUsersFile } from '../support/users.js';

/** A real OpenLDAP slapd, shared by the file; each test has its own vault and server. */
describe('sign-in with the directory (OpenLDAP slapd)', () => {
  let dir: string;
  let slapd: Slapd;
  let vault: TempVault;
  let server: TestServer | null = null;
  let log = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pdm-slapd-'));
    slapd = await startSlapd(dir);
  }, 30_000);
  afterAll(async () => {
    await slapd?.stop();
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await server?.close();
    server = null;
    await vault?.cleanup();
  });

  const direct = (): LdapOptions => ({ url: slapd.url, userDn: `uid={user},${PEOPLE}`, adminGroup: ADMINS, nameAttribute: 'uid', label: 'SHOP domain', recheckMs: 300_000, timeoutMs: 2000 });
  const search = (): LdapOptions => ({ url: slapd.url, bindDn: SERVICE, bindPassword: SERVICE_PASSWORD, base: PEOPLE, filter: '(&(objectClass=inetOrgPerson)(uid={user}))', adminGroup: ADMINS, nameAttribute: 'uid', label: 'SHOP domain', recheckMs: 300_000, timeoutMs: 2000 });
  const start = async (ldap: LdapOptions, extra: Record<string, unknown> = {}) => {
    vault = await makeVault();
    log = '';
    const out = new PassThrough();
    out.on('data', (d) => (log += d));
    server = await startServer(vault, { ldap, logger: createLogger('debug', out), signInLimits: { perUser: 50, perAddress: 200, windowMs: 60_000 }, ...extra });
    return server.url;
  };
  const signIn = (url: string, user: string, password: string) => api(url, '/api/session', { json: { user, password } });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

  it('notifications: a directory user\'s address is the directory\'s mail (both ways of finding the user)', async () => {
    for (const ldap of [direct(), search()]) {
      const url = await start(ldap, { mail: { smtpUrl: 'smtp://127.0.0.1:9', from: 'pdm@shop.test' } });
      const token = (await signIn(url, 'alice', 'alice-password')).body.token as string;
      const got = await api(url, '/api/notifications', { headers: bearer(token) });
      expect(got.body).toMatchObject({ user: 'alice', mail: true, email: 'alice@shop.test' });
      await server!.close();
      server = null;
      await vault.cleanup();
    }
  });

  it('release states: --ldap-approver-group members release (signed with their directory password), others may only mark proven; a wrong password is 401', async () => {
    const url = await start({ ...search(), approverGroup: LEADS });
    const token = async (user: string) => (await signIn(url, user, `${user}-password`)).body.token as string;
    const alice = bearer(await token('alice'));
    const bob = bearer(await token('bob'));
    const state = (headers: Record<string, string>, body: Record<string, unknown>) => api(url, '/api/files/PN1001.mcam/state', { json: body, headers });
    expect((await api(url, '/api/session', { headers: bob })).body.approver).toBe(true);
    expect((await api(url, '/api/session', { headers: alice })).body.approver).toBe(false);
    expect((await state(alice, { state: 'proven' })).status).toBe(200);
    expect((await state(alice, { state: 'released', comment: 'ok', password: 'alice-password' })).status).toBe(403);
    expect((await state(bob, { state: 'released', comment: 'ok', password: 'wrong' })).status).toBe(401);
    const released = await state(bob, { state: 'released', comment: 'first article OK', password: 'bob-password' });
    expect(released.body.file).toMatchObject({ state: 'released', state_changed: { by: 'bob', comment: 'first article OK' } });
  });

  it.each([
    ['direct bind', direct],
    ['search with a service account', search],
  ])('%s: the directory spelling names the session, admins by group, wrong pairs and injections are 401', async (_mode, options) => {
    const url = await start(options());
    const alice = await signIn(url, 'ALICE', 'alice-password');
    expect(alice.status).toBe(200);
    expect(alice.body).toMatchObject({ user: 'alice', role: 'user' });
    expect((await signIn(url, 'boss', 'boss-password')).body).toMatchObject({ user: 'boss', role: 'admin' });
    expect((await api(url, '/api/session', { headers: bearer(alice.body.token) })).body).toMatchObject({ user: 'alice', role: 'user', mode: 'users' });
    for (const [user, password] of [
      ['alice', 'wrong-password'],
      ['nobody', 'alice-password'],
      ['*)(uid=*', 'alice-password'],
      ['*', 'alice-password'],
      ['alice,ou=people', 'alice-password'],
      ['alice)(|(uid=*', 'x'],
    ] as const) {
      const r = await signIn(url, user, password);
      expect(r.status, user).toBe(401);
      expect(r.body.code).toBe('UNAUTHENTICATED');
    }
    // An empty password would be an anonymous bind, which the directory accepts: refused before any bind.
    expect((await signIn(url, 'alice', '')).status).toBe(400);
    expect((await api(url, '/api/lfs/locks', { headers: basic('alice', '') })).status).toBe(401);
    // A check-out by the directory user, as one person whatever the case they signed in with.
    const r = await api(url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', message: 'fixture' }, headers: bearer(alice.body.token) });
    expect(r.status).toBe(200);
    expect(r.body.file.locked_by).toBe('alice');
    expect(log).not.toMatch(/alice-password|boss-password|service-password/);
  });

  it('the page learns the directory\'s label before sign-in; sockets and Git LFS Basic auth work for directory users', async () => {
    const url = await start(direct());
    const anonymous = await api(url, '/api/session');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ code: 'UNAUTHENTICATED', directory: 'SHOP domain' });
    const { token } = (await signIn(url, 'bob', 'bob-password')).body;
    const bob = await connect(url, 'bob', { token });
    expect(await bob.socket.emitWithAck('checkout', { filename: 'PN1002.mcam' })).toMatchObject({ ok: true, file: { locked_by: 'bob' } });
    bob.close();
    const lfs = await api(url, '/api/lfs/locks', { headers: { ...basic('Bob', 'bob-password'), accept: 'application/vnd.git-lfs+json' } });
    expect(lfs.status).toBe(200);
    expect(lfs.body.locks.map((l: { owner: { name: string } }) => l.owner.name)).toEqual(['bob']);
    expect((await api(url, '/api/lfs/locks', { headers: basic('bob', 'not-it') })).status).toBe(401);
  });

  it('an admin group the user\'s memberOf does not list is read for its uniqueMember', async () => {
    const url = await start({ ...search(), adminGroup: LEADS });
    expect((await signIn(url, 'bob', 'bob-password')).body).toMatchObject({ user: 'bob', role: 'admin' });
    expect((await signIn(url, 'boss', 'boss-password')).body).toMatchObject({ user: 'boss', role: 'user' });
  });

  it('the users file is asked first; a directory user is not shadowed by it', async () => {
    const usersFile = join(dir, `users-${Date.now()}.json`);
    await writeUsersFile(usersFile, { 'local-admin': ['local-admin-password', 'admin'], alice: ['file-alice-password', 'user'] });
    const url = await start(direct(), { usersFile });
    expect((await signIn(url, 'local-admin', 'local-admin-password')).body).toMatchObject({ user: 'local-admin', role: 'admin' });
    expect((await signIn(url, 'bob', 'bob-password')).body).toMatchObject({ user: 'bob' });
    // alice is in the file: the file decides, the directory's password is not tried.
    expect((await signIn(url, 'alice', 'file-alice-password')).status).toBe(200);
    expect((await signIn(url, 'alice', 'alice-password')).status).toBe(401);
  });

  it('#4 the users file owns its names in every spelling: a directory password never opens its account; #11 a wrong pair takes the same floor whoever has the name', async () => {
    const usersFile = join(dir, `users-${Date.now()}.json`);
    await writeUsersFile(usersFile, { alice: ['file-alice-password', 'admin'] });
    const url = await start(direct(), { usersFile });
    for (const spelling of ['alice', 'Alice', 'ALICE', 'ａｌｉｃｅ', 'ＡＬＩＣＥ']) {
      const r = await signIn(url, spelling, 'alice-password');
      expect(r.status, spelling).toBe(401);
    }
    const admin = await signIn(url, 'Ａlice', 'file-alice-password');
    expect(admin.body).toMatchObject({ user: 'alice', role: 'admin' });
    expect((await api(url, '/api/session', { headers: bearer(admin.body.token) })).body).toMatchObject({ user: 'alice', role: 'admin' });
    expect((await signIn(url, 'BOB', 'bob-password')).body).toMatchObject({ user: 'bob', role: 'user' });
    // A lower bound only: a busy machine makes these slower, never faster.
    for (const name of ['alice', 'bob', 'nobody-at-all']) {
      const t0 = performance.now();
      expect((await signIn(url, name, 'a wrong password')).status, name).toBe(401);
      expect(performance.now() - t0, name).toBeGreaterThanOrEqual(FAILED_SIGN_IN_FLOOR_MS - 2);
    }
  });

  it('the directory stopped mid-run: 503 DIRECTORY_UNAVAILABLE and one clear log line; sessions go on; sign-in recovers', async () => {
    const url = await start(search());
    const { token } = (await signIn(url, 'alice', 'alice-password')).body;
    await slapd.stop();
    try {
      const r = await signIn(url, 'bob', 'bob-password');
      expect(r.status).toBe(503);
      expect(r.body.code).toBe('DIRECTORY_UNAVAILABLE');
      expect((await api(url, '/api/lfs/locks', { headers: basic('bob', 'bob-password') })).status).toBe(503);
      // A session signed in before is still good: the directory's silence signs nobody out.
      expect((await api(url, '/api/session', { headers: bearer(token) })).body.user).toBe('alice');
      expect(log.match(/the directory cannot be reached/g)?.length).toBe(1);
    } finally {
      await slapd.start();
    }
    expect((await signIn(url, 'bob', 'bob-password')).status).toBe(200);
    expect(log).toMatch(/the directory answers again/);
  });

  it('a user removed from the directory, or from the admin group, loses the session or the role at the next re-check', async () => {
    const url = await start({ ...search(), recheckMs: 300 });
    const carolDn = `uid=carol,${PEOPLE}`;
    await slapd.admin(async (c) => {
      await c.add(carolDn, { objectClass: 'inetOrgPerson', uid: 'carol', cn: 'carol', sn: 'carol', userPassword: 'carol-password' });
      await c.modify(ADMINS, [new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [carolDn] }) })]);
    });
    try {
      const carol = await signIn(url, 'carol', 'carol-password');
      expect(carol.body.role).toBe('admin');
      await slapd.admin((c) => c.modify(ADMINS, [new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [carolDn] }) })]));
      await eventually(async () => (await api(url, '/api/session', { headers: bearer(carol.body.token) })).body.role === 'user', 5000, 'admin role gone');
      await slapd.admin((c) => c.del(carolDn));
      await eventually(async () => (await api(url, '/api/session', { headers: bearer(carol.body.token) })).status === 401, 5000, 'session gone');
    } finally {
      await slapd.admin((c) => c.del(carolDn)).catch(() => undefined);
    }
  });

  it('ldaps:// with --ldap-ca: signs in; without the CA the certificate is refused (503)', async () => {
    const ca = await readFile(slapd.caFile);
    let url = await start({ ...direct(), url: slapd.ldapsUrl, ca });
    expect((await signIn(url, 'alice', 'alice-password')).body).toMatchObject({ user: 'alice' });
    await server!.close();
    server = null;
    await vault.cleanup();
    url = await start({ ...direct(), url: slapd.ldapsUrl });
    const r = await signIn(url, 'alice', 'alice-password');
    expect(r.status).toBe(503);
    expect(r.body.code).toBe('DIRECTORY_UNAVAILABLE');
    expect(log).toMatch(/certificate/i);
  });

  it('pdm-live serve with the --ldap-* flags (search over ldaps://, a password file, a CA file); watch --token for a directory user', async () => {
    vault = await makeVault();
    const passwordFile = join(dir, 'svc-password');
    await writeFile(passwordFile, `${SERVICE_PASSWORD}\n`, { mode: 0o600 });
    const p = await spawnServer([
      '--repo', vault.root, '--ldap-url', slapd.ldapsUrl, '--ldap-ca', slapd.caFile, '--ldap-bind-dn', SERVICE, '--ldap-bind-password-file', passwordFile,
      '--ldap-base', PEOPLE, '--ldap-filter', '(uid={user})', '--ldap-admin-group', ADMINS, '--ldap-label', 'SHOP domain',
    ]);
    try {
      expect((await api(p.url, '/api/session')).body.directory).toBe('SHOP domain');
      const boss = await signIn(p.url, 'Boss', 'boss-password');
      expect(boss.body).toMatchObject({ user: 'boss', role: 'admin' });
      const w = spawn(process.execPath, [BIN, 'watch', '--url', p.url, '--token', boss.body.token], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      w.stdout.on('data', (d) => (out += d));
      try {
        // Whether it connects before or after this, it prints the event (live, or by catching up).
        await api(p.url, '/api/files/checkout', { json: { filename: 'PN1003.vnc', message: 'watched' }, headers: bearer(boss.body.token) });
        await eventually(() => out.includes('checkout PN1003.vnc by boss'), 8000, 'watch output');
      } finally {
        w.kill();
      }
      expect(p.stderr()).not.toContain(SERVICE_PASSWORD);
    } finally {
      expect(await p.stop()).toBe(0);
    }
    const bad = await run(['serve', '--no-web', '--repo', vault.root, '--port', '0', '--ldap-url', slapd.url, '--ldap-filter', '(uid={user})']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/--ldap-url needs --ldap-user-dn, or --ldap-bind-dn, --ldap-bind-password-file, --ldap-base for a search/);
  });

  it('a directory that accepts the connection and never answers is 503 after the timeout, not a hung sign-in', async () => {
    const { createServer } = await import('node:net');
    const held: import('node:net').Socket[] = [];
    const silent = createServer((sock) => void held.push(sock));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const url = await start({ ...direct(), url: `ldap://127.0.0.1:${(silent.address() as { port: number }).port}`, timeoutMs: 300 });
      const r = await signIn(url, 'alice', 'alice-password');
      expect(r.status).toBe(503);
      expect(r.body.code).toBe('DIRECTORY_UNAVAILABLE');
    } finally {
      for (const sock of held) sock.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('sign-in failures against the directory are rate-limited as for the users file', async () => {
    const url = await start(direct(), { signInLimits: { perUser: 3, perAddress: 50, windowMs: 60_000 } });
    for (let i = 0; i < 3; i++) expect((await signIn(url, i % 2 ? 'ALICE' : 'alice', 'guess')).status).toBe(401);
    const limited = await signIn(url, 'alice', 'alice-password');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
