import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createConnection, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeActivity } from '../../server/cli/watch.js';
import { formatFiles, tokenOf } from '../../server/cli/client.js';
import { makeActivity } from '../../server/activity/activity-log.js';
import { activityCsv } from '../../server/activity/activity-search.js';
import { printable } from '../../server/cli/printable.js';
import type { FileStatus } from '../../shared/protocol.js';
import { MAX_CONNECTIONS_PER_ADDRESS } from '../../server/http/connection-limits.js';
import { spawnServer } from '../support/processes.js';
import { api, eventually, startServer, type TestServer } from '../support/server.js';
import { connect } from '../support/sockets.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';
import { writeUsersFile } from '../support/users.js';

/** A request with a chosen Host header (fetch will not send one). */
function withHost(url: string, path: string, host: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    request(`${url}${path}`, { headers: { host, ...headers } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

describe('hardening, third round', () => {
  let vault: TempVault;
  let server: TestServer | null = null;
  let usersFile: string;
  beforeEach(async () => {
    vault = await makeVault();
    usersFile = join(vault.outside, 'users.json');
    await writeUsersFile(usersFile, { alice: ['alice password 1', 'user'], boss: ['boss password 1', 'admin'] });
  });
  afterEach(async () => {
    await server?.close();
    server = null;
    await vault.cleanup();
  });

  it('#1 an empty (or short) session key never signs: a token forged with an empty HMAC key is refused, also after a restart', async () => {
    await mkdir(vault.keysDir, { recursive: true });
    await writeFile(join(vault.keysDir, 'session.key'), '');
    const body = Buffer.from(JSON.stringify({ sid: 'forged', user: 'boss', role: 'admin', exp: Date.now() + 3_600_000 })).toString('base64url');
    const forged = `${body}.${createHmac('sha256', Buffer.alloc(0)).update(body).digest('base64url')}`;
    for (let round = 0; round < 2; round++) {
      server = await startServer(vault, { usersFile });
      expect((await api(server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam' }, headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);
      await server.close();
      server = null;
    }
    expect(Buffer.from((await readFile(join(vault.keysDir, 'session.key'), 'utf8')).trim(), 'base64url').length).toBeGreaterThanOrEqual(32);
  });

  it('#2 a versions.json pointing a version at another file (../../session.key) serves nothing of it', async () => {
    server = await startServer(vault);
    const { url } = server;
    expect((await api(url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice' } })).status).toBe(200);
    await writeFile(join(vault.dataDir, 'secret.txt'), 'the session key of somebody');
    const folders = await readdir(join(vault.dataDir, 'versions'));
    const file = join(vault.dataDir, 'versions', folders[0]!, 'versions.json');
    const history = JSON.parse(await readFile(file, 'utf8')) as { versions: Array<{ sha256: string; size_bytes: number }> };
    history.versions[0]!.sha256 = '../../secret.txt';
    history.versions[0]!.size_bytes = 27;
    await writeFile(file, JSON.stringify(history));
    const res = await fetch(`${url}/api/files/PN1001.mcam/versions/1/content`);
    const text = await res.text();
    expect(res.status).toBe(500);
    expect(text).not.toContain('somebody');
    expect(JSON.parse(text)).toMatchObject({ code: 'INTERNAL', detail: expect.stringContaining('damaged') });
  });

  it('a garbled versions.json (wrong shape, wrong types) is an answer with the versions that are whole, never a 500', async () => {
    server = await startServer(vault);
    const { url } = server;
    expect((await api(url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice' } })).status).toBe(200);
    const folders = await readdir(join(vault.dataDir, 'versions'));
    const file = join(vault.dataDir, 'versions', folders[0]!, 'versions.json');
    const good = JSON.parse(await readFile(file, 'utf8')) as { versions: unknown[] };
    for (const [garbled, count] of [[{ versions: 5 }, 0], [[1, 2], 0], [null, 0], [{ ...good, versions: [...good.versions, { number: 'x' }, null, 7] }, good.versions.length]] as const) {
      await writeFile(file, JSON.stringify(garbled));
      const r = await api(url, '/api/files/PN1001.mcam/versions');
      expect(r.status, JSON.stringify(garbled)).toBe(200);
      expect(r.body.versions).toHaveLength(count);
    }
  });

  it('#3 a password change ends the sessions begun before it; so does removing the user and adding them back', async () => {
    server = await startServer(vault, { usersFile });
    const signIn = async (password: string) => (await api(server!.url, '/api/session', { json: { user: 'alice', password } })).body.token as string;
    const use = async (token: string) => (await api(server!.url, '/api/session', { headers: { authorization: `Bearer ${token}` } })).status;
    const before = await signIn('alice password 1');
    expect(await use(before)).toBe(200);
    await writeUsersFile(usersFile, { alice: ['alice password 2', 'user'], boss: ['boss password 1', 'admin'] });
    await eventually(async () => (await use(before)) === 401, 10_000, 'the old session ended');
    const after = await signIn('alice password 2');
    expect(await use(after)).toBe(200);
    // Removed, then added back with the same password: a new account, the old session stays dead.
    await writeUsersFile(usersFile, { boss: ['boss password 1', 'admin'] });
    await eventually(async () => (await use(after)) === 401, 10_000, 'the removed user\'s session ended');
    await writeUsersFile(usersFile, { alice: ['alice password 2', 'user'], boss: ['boss password 1', 'admin'] });
    await eventually(async () => (await api(server!.url, '/api/session', { json: { user: 'alice', password: 'alice password 2' } })).status === 200, 10_000, 'alice back');
    expect(await use(after)).toBe(401);
  });

  it('#5 DNS rebinding: <machine name>.<any domain> is not this server; the machine name and localhost are', async () => {
    server = await startServer(vault);
    const me = hostname().toLowerCase();
    expect(await withHost(server.url, '/api/files', `${me}.attacker.example`)).toBe(403);
    expect(await withHost(server.url, '/api/files', me)).toBe(200);
    expect(await withHost(server.url, '/api/files', 'localhost:1234')).toBe(200);
  });

  it('#7 a user\'s own ordinary refusals (Git LFS 409s and 404s with the right password) are not failed sign-ins', async () => {
    server = await startServer(vault, { usersFile, signInLimits: { perUser: 5, perAddress: 50, windowMs: 60_000 } });
    const lfs = { 'content-type': 'application/vnd.git-lfs+json', accept: 'application/vnd.git-lfs+json' };
    const as = (user: string, password: string) => ({ ...lfs, authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
    expect((await api(server.url, '/api/lfs/locks', { method: 'POST', body: JSON.stringify({ path: 'PN1001.mcam' }), headers: as('boss', 'boss password 1') })).status).toBe(201);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await api(server.url, '/api/lfs/locks', { method: 'POST', body: JSON.stringify({ path: 'PN1001.mcam' }), headers: as('alice', 'alice password 1') })).status);
    for (let i = 0; i < 4; i++) statuses.push((await api(server.url, '/api/lfs/locks', { method: 'POST', body: JSON.stringify({ path: 'nope.mcam' }), headers: as('alice', 'alice password 1') })).status);
    expect(statuses).toEqual([409, 409, 409, 409, 404, 404, 404, 404]);
    expect((await api(server.url, '/api/lfs/locks', { method: 'POST', body: JSON.stringify({ path: 'PN1002.mcam' }), headers: as('alice', 'alice password 1') })).status).toBe(201);
    // Wrong passwords still count.
    const wrong = [];
    for (let i = 0; i < 6; i++) wrong.push((await api(server.url, '/api/lfs/locks', { headers: as('alice', 'wrong') })).status);
    expect(wrong).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('#13 searches that may read the whole log take turns: at most 2 at once, a burst beyond the queue is 429, check-outs go on', async () => {
    server = await startServer(vault);
    const { url } = server;
    for (let i = 0; i < 20; i++) await api(url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice' } }).then(() => api(url, '/api/files/checkin', { json: { filename: 'PN1001.mcam', user: 'alice' } }));
    const [answers, checkout] = await Promise.all([Promise.all(Array.from({ length: 40 }, () => api(url, '/api/activity?user=nobody&limit=5'))), api(url, '/api/files/checkout', { json: { filename: 'PN1002.mcam', user: 'bob' } })]);
    expect(checkout.status).toBe(200);
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(18);
    expect(server.app.activity.scans.peak).toBeLessThanOrEqual(2);
  });

  it('#10 full-width letters do not dodge the per-name limits (NFKC and case folded before counting)', async () => {
    server = await startServer(vault, { usersFile, signInLimits: { perUser: 5, perAddress: 50, windowMs: 60_000 } });
    const tries = [];
    for (const name of ['alice', 'ALICE', '\uff41lice', '\uff21\uff2c\uff29\uff23\uff25', 'Alice', 'alice']) tries.push((await api(server.url, '/api/session', { json: { user: name, password: 'wrong' } })).status);
    expect(tries).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('#12 a FIFO swapped in for a vault file hangs nothing: the check-out stands, others go on, the server stops', async () => {
    server = await startServer(vault);
    const { url } = server;
    await rm(join(vault.root, 'PN1002.mcam'));
    execFileSync('mkfifo', [join(vault.root, 'PN1002.mcam')]);
    const fifoCheckout = await api(url, '/api/files/checkout', { json: { filename: 'PN1002.mcam', user: 'alice' } });
    expect([200, 404]).toContain(fifoCheckout.status);
    expect((await api(url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'bob' } })).status).toBe(200);
    const put = await api(url, '/api/files/PN1001.mcam/content', { method: 'PUT', body: 'bob saved', headers: { 'x-pdm-user': 'bob', 'content-type': 'application/octet-stream' } });
    expect(put.status).toBe(200);
    await server.close(); // bounded by the test's own timeout: it used to hang here
    server = null;
  });

  it('#14 each client has a budget of files changed, shared by HTTP and sockets: beyond it 429 with Retry-After and nothing changes; others go on', async () => {
    server = await startServer(vault, { usersFile });
    const { url } = server;
    const token = (await api(url, '/api/session', { json: { user: 'alice', password: 'alice password 1' } })).body.token as string;
    const alice = { authorization: `Bearer ${token}` };
    const names = (from: number) => Array.from({ length: 500 }, (_, i) => `NOPE${from + i}.mcam`);
    // Two bulk requests of 500 names (refused: none exist) use up the default burst of 1,000.
    for (const from of [0, 500]) expect((await api(url, '/api/files/checkout', { json: { filenames: names(from) }, headers: alice })).body.code).toBe('FILE_NOT_FOUND');
    // 500 more: the budget refills at 20 a second, so a slow machine cannot make it fit.
    const over = await fetch(`${url}/api/files/checkout`, { method: 'POST', headers: { ...alice, 'content-type': 'application/json' }, body: JSON.stringify({ filenames: ['PN1001.mcam', ...names(1000).slice(1)] }) });
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await over.json()) as { code: string }).code).toBe('TOO_MANY_REQUESTS');
    const live = await connect(url, 'alice', { token });
    try {
      const ack: unknown = await live.socket.emitWithAck('checkout', { filenames: ['PN1002.mcam', ...names(1500).slice(1)] });
      expect(ack).toMatchObject({ ok: false, code: 'TOO_MANY_REQUESTS' });
    } finally {
      live.socket.disconnect();
    }
    expect((await api(url, '/api/locks', { headers: alice })).body.locks).toEqual({});
    const boss = (await api(url, '/api/session', { json: { user: 'boss', password: 'boss password 1' } })).body.token as string;
    expect((await api(url, '/api/files/checkout', { json: { filename: 'PN1001.mcam' }, headers: { authorization: `Bearer ${boss}` } })).status).toBe(200);
  });

  it('#14 open mode: claiming other names does not reset the budget (it is the address\'s); requests per address are bounded too', async () => {
    server = await startServer(vault, { commandBudget: { burst: 4, perSecond: 1 } });
    const { url } = server;
    const statuses = [];
    for (const user of ['a', 'b', 'c', 'd', 'e', 'f']) statuses.push((await api(url, '/api/files/wait', { json: { filename: 'PN1001.mcam', user } })).status);
    expect(statuses.slice(0, 4).every((s) => s !== 429)).toBe(true);
    expect(statuses.slice(4)).toEqual([429, 429]);
    // Git LFS under yet another name: the same address's budget.
    const lfs = await api(url, '/api/lfs/locks', { method: 'POST', body: JSON.stringify({ path: 'PN1002.mcam' }), headers: { 'content-type': 'application/vnd.git-lfs+json', accept: 'application/vnd.git-lfs+json', authorization: `Basic ${Buffer.from('zed:x').toString('base64')}` } });
    expect(lfs.status).toBe(429);
    // Requests: 50 times the files budget at once (50 here), then 10 a second.
    const burst = await Promise.all(Array.from({ length: 80 }, () => fetch(`${url}/api/health`).then((r) => r.status)));
    expect(burst.filter((s) => s === 429).length).toBeGreaterThanOrEqual(20);
    expect(burst.every((s) => s === 200 || s === 429)).toBe(true);
  });

  it('#15 one address holding hundreds of idle connections before signing in does not starve everyone (descriptors limited to 512)', async () => {
    const proc = await spawnServer(['--repo', vault.root, '--keys', vault.keysDir]);
    const sockets: Socket[] = [];
    try {
      execFileSync('prlimit', ['--pid', String(proc.proc.pid), '--nofile=512:512']);
      const { port } = new URL(proc.url);
      let connected = 0;
      let closedByServer = 0;
      for (let i = 0; i < 700; i++) {
        const s = createConnection({ host: '127.0.0.1', port: Number(port) });
        s.on('error', () => undefined);
        s.once('connect', () => (connected += 1));
        s.once('close', () => (closedByServer += 1));
        sockets.push(s);
      }
      await eventually(() => connected + closedByServer >= 700, 20_000, 'the connections made');
      // Another client (another loopback address) is served: before the limit, the server was
      // out of descriptors and this request had no answer.
      const status = await new Promise<number>((resolve, reject) => {
        request(`${proc.url}/api/health`, { localAddress: '127.0.0.2', timeout: 15_000 }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('timeout', () => reject(new Error('no answer: the server is out of descriptors')))
          .on('error', reject)
          .end();
      });
      expect(status).toBe(200);
      await eventually(() => closedByServer >= 700 - MAX_CONNECTIONS_PER_ADDRESS, 20_000, 'connections over the limit closed');
    } finally {
      for (const s of sockets) s.destroy();
      await proc.stop();
    }
  });

  it('#18 open mode behind a proxy is refused unless --open says so; users mode behind it is served', async () => {
    server = await startServer(vault);
    expect(await withHost(server.url, '/api/files', '127.0.0.1', { 'x-forwarded-for': '10.1.2.3' })).toBe(403);
    expect(await withHost(server.url, '/api/files', '127.0.0.1', { forwarded: 'for=10.1.2.3' })).toBe(403);
    expect(await withHost(server.url, '/api/files', '127.0.0.1')).toBe(200);
    await server.close();
    server = await startServer(vault, { open: true });
    expect(await withHost(server.url, '/api/files', '127.0.0.1', { 'x-forwarded-for': '10.1.2.3' })).toBe(200);
    await server.close();
    server = await startServer(vault, { usersFile });
    const token = (await api(server.url, '/api/session', { json: { user: 'alice', password: 'alice password 1' } })).body.token as string;
    expect(await withHost(server.url, '/api/files', '127.0.0.1', { 'x-forwarded-for': '10.1.2.3', authorization: `Bearer ${token}` })).toBe(200);
  });
});

/** The control and bidi characters in a text, as code points. */
const controls = (text: string) => Array.from(text).map((c) => c.codePointAt(0)!).filter((c) => c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x202e);

describe('#8 terminal escapes in what the terminal client prints', () => {
  const evil = 'fix\u001b]0;pwned\u0007 \u001b]52;c;ZXZpbA==\u0007\u001b[2K\ttab\nforged line\u202e';
  it('status, history and watch show control characters as escapes, never as actions or extra lines', () => {
    const file: FileStatus = { name: 'PN1.mcam', size_bytes: 1, modified: null, status: 'checked_out', locked_by: 'mallory\u001b[31m', lock: { user: 'mallory\u001b[31m', timestamp: '2026-12-06T10:00:00.000Z', message: evil }, warning: null, protected: false, queue: [], state: 'draft', revision: 'A', state_changed: null };
    for (const tty of [true, false]) {
      const out = formatFiles([file], tty);
      expect(controls(out.replaceAll('\n', '').replaceAll('\t', ''))).toEqual([]);
      expect(out.split('\n')).toHaveLength(tty ? 2 : 1);
      expect(out).toContain('\\x1b]0;pwned\\x07');
    }
    const line = describeActivity({ id: 'x', at: '2026-12-06T10:00:00.000Z', type: 'checkout', filename: 'PN1.mcam', user: 'mallory', message: evil, source: 'api' });
    expect(controls(line)).toEqual([]);
    expect(printable('a\tb\nc')).toBe('a\\x09b\\x0ac');
  });
});

describe('also seen in the third round', () => {
  it('the terminal client takes the token from --token-file (BOM, CRLF) or PDM_TOKEN, so ps does not show it', async () => {
    const vault = await makeVault();
    try {
      const file = join(vault.outside, 'token.txt');
      await writeFile(file, '\uFEFFsecret-token\r\n');
      expect(tokenOf({ tokenFile: file }, {})).toBe('secret-token');
      expect(tokenOf({}, { PDM_TOKEN: 'from-env' })).toBe('from-env');
      expect(tokenOf({ token: 'flag' }, { PDM_TOKEN: 'from-env' })).toBe('flag');
      await writeFile(file, '\n');
      expect(() => tokenOf({ tokenFile: file }, {})).toThrow(/empty/);
      expect(() => tokenOf({ tokenFile: join(vault.outside, 'missing') }, {})).toThrow(/cannot read --token-file/);
    } finally {
      await vault.cleanup();
    }
  });

  it('CSV: a cell a ;-separated spreadsheet would start after a ; is defused too', () => {
    const e = makeActivity({ type: 'checkout', filename: 'PN1.mcam', user: 'bob', message: 'ok;=HYPERLINK("http://x")\t+1', source: 'api', at: '2026-01-01T00:00:00.000Z' });
    const line = activityCsv([e]).split('\r\n')[1]!;
    expect(line).toContain(`"ok;'=HYPERLINK(""http://x"")\t'+1"`);
    expect(line).not.toMatch(/;=/);
  });
});
