import { spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { io } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, run } from '../support/processes.js';
import { api, eventually, startServer, type TestServer } from '../support/server.js';
import { connect } from '../support/sockets.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';
import { writeUsersFile } from '../support/users.js';

describe('users mode', () => {
  let vault: TempVault;
  let server: TestServer;
  let url: string;
  let usersFile: string;
  const tokens: Record<string, string> = {};
  const bearer = (who: string) => ({ authorization: `Bearer ${tokens[who]}` });

  beforeEach(async () => {
    vault = await makeVault();
    usersFile = `${vault.outside}/users.json`;
    await writeUsersFile(usersFile, { alice: ['alice-pw', 'user'], bob: ['bob-pw', 'user'], boss: ['boss-pw', 'admin'] });
    server = await startServer(vault, { usersFile, signInLimits: { perUser: 3, perAddress: 50, windowMs: 60_000 } });
    url = server.url;
    for (const who of ['alice', 'bob', 'boss']) {
      const r = await api(url, '/api/session', { json: { user: who, password: `${who}-pw` } });
      expect(r.status).toBe(200);
      tokens[who] = r.body.token;
    }
  });
  afterEach(async () => {
    await server.close();
    await vault.cleanup();
  });

  it('signs in with a cookie for the page and a token for scripts; GET says who and which role', async () => {
    const r = await api(url, '/api/session', { json: { user: 'boss', password: 'boss-pw' } });
    expect(r.body).toMatchObject({ user: 'boss', role: 'admin', token: expect.any(String) });
    const cookie = r.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^pdm_session=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const viaCookie = await api(url, '/api/session', { headers: { cookie: cookie.split(';')[0]! } });
    expect(viaCookie.body).toMatchObject({ user: 'boss', role: 'admin' });
    expect((await api(url, '/api/session', { headers: bearer('alice') })).body).toMatchObject({ user: 'alice', role: 'user' });
    expect((await api(url, '/api/session')).status).toBe(401);
  });

  it('a wrong pair is 401; repeated failures for one user are 429 with Retry-After', async () => {
    const wrong = await api(url, '/api/session', { json: { user: 'alice', password: 'nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('UNAUTHENTICATED');
    expect((await api(url, '/api/session', { json: { user: 'ghost', password: 'x' } })).status).toBe(401);
    await api(url, '/api/session', { json: { user: 'alice', password: 'nope' } });
    await api(url, '/api/session', { json: { user: 'alice', password: 'nope' } });
    const limited = await api(url, '/api/session', { json: { user: 'alice', password: 'alice-pw' } });
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('TOO_MANY_REQUESTS');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another user is not held back by alice's failures.
    expect((await api(url, '/api/session', { json: { user: 'bob', password: 'bob-pw' } })).status).toBe(200);
  });

  const mutations: Array<[string, string, unknown]> = [
    ['POST', '/api/files/checkout', { filename: 'PN1001.mcam' }],
    ['POST', '/api/files/checkin', { filename: 'PN1001.mcam' }],
  ];

  it.each([
    ['no credentials', {}],
    ['a forged token', { authorization: 'Bearer eyJzaWQiOiJ4IiwidXNlciI6ImJvc3MiLCJyb2xlIjoiYWRtaW4iLCJleHAiOjk5OTk5OTk5OTk5OTl9.forged' }],
    ['a garbage cookie', { cookie: 'pdm_session=garbage' }],
  ])('every mutation and read with %s is 401 UNAUTHENTICATED and changes nothing', async (_what, headers) => {
    for (const [method, path, json] of mutations) {
      const r = await api(url, path, { method, json, headers: headers as Record<string, string> });
      expect(r.status, path).toBe(401);
      expect(r.body.code).toBe('UNAUTHENTICATED');
    }
    for (const path of ['/api/files', '/api/files/PN1001.mcam', '/api/locks', '/api/activity', '/api/files/PN1001.mcam/content']) {
      expect((await api(url, path, { headers: headers as Record<string, string> })).status, path).toBe(401);
    }
    expect((await api(url, '/api/health')).status).toBe(200);
    await expect(readFile(vault.locksFile, 'utf8')).rejects.toThrow();
  });

  it('a body user that differs from the session is 403 FORBIDDEN; the session user holds the lock', async () => {
    const r = await api(url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'bob' }, headers: bearer('alice') });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('FORBIDDEN');
    const ok = await api(url, '/api/files/checkout', { json: { filename: 'PN1001.mcam' }, headers: bearer('alice') });
    expect(ok.body.file.locked_by).toBe('alice');
  });

  it('force: a user gets 403 FORBIDDEN, an admin releases, recorded with both names; the holder sees it', async () => {
    await api(url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', message: 'mine' }, headers: bearer('alice') });
    const aliceSocket = await connect(url, 'alice', { token: tokens.alice });
    try {
      expect((await api(url, '/api/files/checkin', { json: { filename: 'PN1001.mcam' }, headers: bearer('bob') })).body.code).toBe('NOT_LOCK_OWNER');
      const userForce = await api(url, '/api/files/checkin', { json: { filename: 'PN1001.mcam', force: true }, headers: bearer('bob') });
      expect(userForce.status).toBe(403);
      expect(userForce.body.code).toBe('FORBIDDEN');
      const adminForce = await api(url, '/api/files/checkin', { json: { filename: 'PN1001.mcam', force: true }, headers: bearer('boss') });
      expect(adminForce.status).toBe(200);
      expect(await aliceSocket.waitFor('lock:released')).toMatchObject({ by: 'boss', forced: true, previous: { user: 'alice' } });
      const act = await api(url, '/api/activity', { headers: bearer('boss') });
      expect(act.body.events.at(-1)).toMatchObject({ type: 'force_release', user: 'boss', previous_user: 'alice' });
    } finally {
      aliceSocket.close();
    }
  });

  it('sockets: the handshake needs a valid session; a claimed other name is refused; sign-out ends it', async () => {
    const refused = async (auth: Record<string, unknown>, headers: Record<string, string> = {}) => {
      const s = io(url, { auth, transports: ['websocket'], reconnection: false, extraHeaders: headers });
      const msg = await new Promise<string>((resolve) => {
        s.on('connect_error', (e) => resolve(e.message));
        s.on('connect', () => resolve('connected'));
      });
      s.close();
      return msg;
    };
    expect(await refused({})).toMatch(/^UNAUTHENTICATED/);
    expect(await refused({ token: 'forged.token' })).toMatch(/^UNAUTHENTICATED/);
    expect(await refused({ user: 'alice' })).toMatch(/^UNAUTHENTICATED/);
    expect(await refused({ token: tokens.alice, user: 'boss' })).toMatch(/^FORBIDDEN/);
    const s = await connect(url, 'alice', { token: tokens.alice });
    try {
      expect(await s.socket.emitWithAck('checkout', { filename: 'PN1002.mcam' })).toMatchObject({ ok: true, file: { locked_by: 'alice' } });
      expect(await s.socket.emitWithAck('checkin', { filename: 'PN1002.mcam', force: true })).toMatchObject({ ok: true });
      const out = await api(url, '/api/session', { method: 'DELETE', headers: bearer('alice') });
      expect(out.status).toBe(204);
      await eventually(() => !s.socket.connected, 3000, 'socket closed by sign-out');
      expect((await api(url, '/api/files', { headers: bearer('alice') })).status).toBe(401);
    } finally {
      s.close();
    }
  });

  it('pdm-live watch --token subscribes in users mode', async () => {
    const { spawn } = await import('node:child_process');
    const { BIN, ROOT } = await import('../support/processes.js');
    const w = spawn(process.execPath, [BIN, 'watch', '--url', url, '--token', tokens.bob!], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    w.stdout.on('data', (d) => (out += d));
    try {
      // Whether it connects before or after this, it prints the event (live, or by catching up).
      await api(url, '/api/files/checkout', { json: { filename: 'PN1003.vnc', message: 'watched' }, headers: bearer('alice') });
      await eventually(() => out.includes('checkout PN1003.vnc by alice'), 8000, 'watch output');
    } finally {
      w.kill('SIGINT');
    }
    expect(await new Promise((r) => w.once('exit', r))).toBe(0);
  });

  it('a user removed from the users file loses access at once', async () => {
    const r = await run(['user', 'remove', 'bob', '--users', usersFile]);
    expect(r.code, r.stderr).toBe(0);
    expect((await api(url, '/api/files', { headers: bearer('bob') })).status).toBe(401);
  });

  it('pdm-live user add/list/remove: the file holds scrypt hashes, never the password, owner-only', async () => {
    const file = `${vault.outside}/new-users.json`;
    const add = await run(['user', 'add', 'carol', '--admin', '--users', file], { input: 'carol-secret\n' });
    expect(add.code, add.stderr).toBe(0);
    await run(['user', 'add', 'dan', '--users', file], { input: 'dan-secret\n' });
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('secret');
    expect(text).toMatch(/"hash": "scrypt\$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await run(['user', 'list', '--users', file])).stdout).toBe('carol\tadmin\ndan\tuser\n');
    expect((await run(['user', 'remove', 'dan', '--users', file])).code).toBe(0);
    expect((await run(['user', 'list', '--users', file])).stdout).toBe('carol\tadmin\n');
    const bad = await run(['user', 'remove', 'nobody', '--users', file]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    // Fewer than 10 characters: refused, one line, nothing changed.
    const short = await run(['user', 'add', 'erin', '--users', file], { input: 'short\n' });
    expect(short.code).toBe(1);
    expect(short.stderr.trim()).toMatch(/at least 10 characters/);
    expect((await run(['user', 'list', '--users', file])).stdout).toBe('carol\tadmin\n');
    // --email: where notices are mailed (kept through a password change); a bad address changes nothing.
    expect((await run(['user', 'add', 'carol', '--admin', '--email', 'carol@shop.test', '--users', file], { input: 'carol-secret-2\n' })).code).toBe(0);
    expect((await run(['user', 'list', '--users', file])).stdout).toBe('carol\tadmin\tcarol@shop.test\n');
    const badMail = await run(['user', 'add', 'carol', '--email', 'not an address', '--users', file], { input: 'carol-secret-3\n' });
    expect(badMail.code).toBe(1);
    expect(badMail.stderr.trim()).toMatch(/^.*invalid --email "not an address"/);
    expect((await run(['user', 'list', '--users', file])).stdout).toBe('carol\tadmin\tcarol@shop.test\n');
  });

  it('pdm-live user add on a terminal asks twice, without echo, and refuses two different passwords', async () => {
    const file = `${vault.outside}/tty-users.json`;
    // A pseudo-terminal from util-linux's script: the password questions are typed into it.
    const onTty = (lines: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const p = spawn('script', ['-qec', `${process.execPath} ${BIN} user add frank --users ${file}`, '/dev/null'], { cwd: ROOT, env: { ...process.env }, stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        let answered = 0;
        p.stdout.on('data', (d) => {
          out += d;
          // One answer per question asked so far.
          for (const asked = (out.match(/Password( again)?:/g) ?? []).length; answered < asked; answered++) p.stdin.write(`${lines.shift() ?? ''}\n`);
        });
        const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
        p.once('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, out });
        });
      });
    const differ = await onTty(['first-password', 'other-password']);
    expect(differ.out).toMatch(/the two passwords differ/);
    expect(differ.out).not.toContain('first-password');
    expect((await run(['user', 'list', '--users', file])).stdout).toBe('');
    const same = await onTty(['frank-password', 'frank-password']);
    expect(same.out, same.out).toMatch(/Added frank \(user\)/);
    expect((await run(['user', 'list', '--users', file])).stdout).toBe('frank\tuser\n');
  });
});
