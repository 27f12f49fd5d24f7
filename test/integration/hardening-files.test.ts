import { readdir, readFile, rename, appendFile, symlink, writeFile, mkdir, utimes } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, eventually, startServer, type TestServer } from '../support/server.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';
import { writeUsersFile } from '../support/users.js';
import { UPLOAD_SUFFIX, uploadTempName } from '../../server/versions/upload.js';

const openFds = async () => (await readdir('/proc/self/fd')).length;

/** Every upload temp file under `dir`. */
async function tempFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.name.endsWith(UPLOAD_SUFFIX)) out.push(e.name);
  return out;
}

/** Sends raw bytes on a fresh connection, then closes it (at once, or after the answer). */
function raw(url: string, bytes: string, waitForAnswer: boolean): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const sock = tcpConnect(Number(port), '127.0.0.1', () => {
      sock.write(bytes);
      if (!waitForAnswer) sock.destroy();
    });
    let answer = '';
    sock.on('data', (d) => {
      answer += d;
      sock.destroy();
    });
    sock.on('close', () => resolve(answer));
    sock.on('error', () => resolve(answer));
    sock.setTimeout(3000, () => sock.destroy());
  });
}

describe('hardening: uploads, hand edits and logs', () => {
  let vault: TempVault;
  let server: TestServer;
  beforeEach(async () => {
    vault = await makeVault();
    server = await startServer(vault, { settleMs: 50 });
  });
  afterEach(async () => {
    await server?.close();
    await vault.cleanup();
  });

  it('#1 cut-off and hung-up uploads give their descriptor and temp file back', async () => {
    await api(server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice' } });
    const before = await openFds();
    const put = (len: number, body: string) => `PUT /api/files/PN1001.mcam/content HTTP/1.1\r\nHost: 127.0.0.1\r\nX-PDM-User: alice\r\nContent-Length: ${len}\r\n\r\n${body}`;
    for (let round = 0; round < 10; round++) {
      await Promise.all([
        // Content-Length 3 and more bytes after the body (a second, malformed request follows).
        ...Array.from({ length: 10 }, () => raw(server.url, put(3, 'abcGARBAGE GARBAGE\r\n\r\n'), true)),
        // A complete PUT whose client hangs up at once.
        ...Array.from({ length: 10 }, () => raw(server.url, put(5, 'hello'), false)),
        // Half a body, then gone.
        ...Array.from({ length: 10 }, () => raw(server.url, put(1000, 'partial'), false)),
      ]);
    }
    await eventually(async () => (await openFds()) <= before + 5, 5000, 'descriptors given back');
    await eventually(async () => (await tempFiles(vault.root)).length === 0, 5000, 'temp files removed');
    // Still serving, and the file is one of the complete uploads or the original.
    expect((await api(server.url, '/api/health')).status).toBe(200);
    expect(['hello', 'abc', 'content of PN1001.mcam\n']).toContain(await readFile(join(vault.root, 'PN1001.mcam'), 'utf8'));
  });

  it('#7 a record nested 4,000 levels deep: 503 at once, reads keep the last good state, fixed by fixing the file', async () => {
    const good = { user: 'alice', timestamp: '2026-11-22T10:00:02.123Z', message: 'kept' };
    await writeFile(vault.locksFile, JSON.stringify({ 'PN1002.mcam': good }));
    await eventually(async () => (await api(server.url, '/api/locks')).body.locks['PN1002.mcam'], 5000, 'good lock');
    const deep = '{"x":'.repeat(4000) + '1' + '}'.repeat(4000);
    await writeFile(vault.locksFile, `{"PN1002.mcam":{"user":"alice","timestamp":"2026-11-22T10:00:02.123Z","message":"kept","extra":${deep}}}`);
    // writeFile truncates before it writes: the watcher may first read a torn file, then the whole one.
    await eventually(async () => /nests deeper than/.test((await api(server.url, '/api/health')).body.detail ?? ''), 5000, 'degraded by depth');
    expect((await api(server.url, '/api/health')).body.locks).toBe('unavailable');
    const refused = await api(server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'bob' } });
    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe('LOCKS_UNAVAILABLE');
    expect((await api(server.url, '/api/locks')).status).toBe(200);
    expect((await api(server.url, '/api/files')).status).toBe(200);
    await writeFile(vault.locksFile, JSON.stringify({ 'PN1002.mcam': good }));
    await eventually(async () => (await api(server.url, '/api/health')).body.status === 'ok', 5000, 'healthy again');
    expect((await api(server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'bob' } })).status).toBe(200);
  });

  it('#8 "__proto__" in locks.json is refused as a file name; locks named constructor/toString are ordinary', async () => {
    await writeFile(vault.locksFile, JSON.stringify({ ['__proto__']: { 'PN1002.mcam': { user: 'ghost' } } }).replace('"__proto__"', '"__proto__"'));
    await eventually(async () => /"__proto__" is not a file name/.test((await api(server.url, '/api/health')).body.detail ?? ''), 5000, 'refused');
    expect((await api(server.url, '/api/health')).body.locks).toBe('unavailable');
    expect((await api(server.url, '/api/files/PN1002.mcam')).body.locked_by).toBeNull();
    const lock = { user: 'carol', timestamp: '2026-11-22T10:00:02.123Z', message: 'by hand' };
    await writeFile(vault.locksFile, JSON.stringify({ constructor: lock, toString: lock }));
    await eventually(async () => (await api(server.url, '/api/health')).body.status === 'ok', 5000, 'healthy');
    const entries = await eventually(async () => {
      const events = (await api(server.url, '/api/activity')).body.events as Array<{ filename: string; type: string; user: string }>;
      const mine = events.filter((e) => e.filename === 'constructor' || e.filename === 'toString');
      return mine.length === 2 ? mine : null;
    }, 5000, 'activity');
    for (const e of entries) expect(e).toMatchObject({ type: 'checkout', user: 'carol' });
  });

  it('#9 a bad charset or a body that is not the gzip it claims is 400, never 500 (LFS, users mode too)', async () => {
    await server.close();
    const usersFile = join(vault.outside, 'users.json');
    await writeUsersFile(usersFile, { alice: ['correct horse 1', 'user'] });
    for (const options of [{}, { usersFile }]) {
      server = await startServer(vault, options);
      for (const path of ['/api/lfs/locks', '/api/files/checkout']) {
        // The files API in users mode asks for a session first (401); the LFS API parses first.
        const expected = path.startsWith('/api/files') && 'usersFile' in options ? 401 : 400;
        const latin = await api(server.url, path, { method: 'POST', headers: { 'content-type': 'application/json; charset=latin1' }, body: '{"path":"PN1001.mcam"}' });
        expect(latin.status, `${path} latin1`).toBe(expected);
        const gzip = await api(server.url, path, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: 'not gzip at all' });
        expect(gzip.status, `${path} bogus gzip`).toBe(expected);
        const real = await api(server.url, path, { method: 'POST', headers: { 'content-type': 'application/vnd.git-lfs+json', 'content-encoding': 'gzip' }, body: gzipSync('{"path":') });
        expect(real.status, `${path} gzip of bad JSON`).toBe(expected);
      }
      await server.close();
    }
    server = await startServer(vault);
  });

  it('#11 a torn last line of activity.jsonl does not swallow the next entry; lines that are not entries are not served', async () => {
    await api(server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice' } });
    const file = join(vault.dataDir, 'activity.jsonl');
    await appendFile(file, '[1,2]\n{"id":5,"type":"checkout"}\n"text"\n{"id":"torn","at":"2026-11-2');
    const checkin = await api(server.url, '/api/files/checkin', { json: { filename: 'PN1001.mcam', user: 'alice' } });
    expect(checkin.status).toBe(200);
    const events = (await api(server.url, '/api/activity')).body.events as Array<{ id: unknown; type: string }>;
    expect(events.map((e) => e.type)).toEqual(['checkout', 'checkin']);
    expect(events.every((e) => typeof e.id === 'string')).toBe(true);
    // The same from a fresh server reading the file from the start.
    await server.close();
    server = await startServer(vault);
    expect(((await api(server.url, '/api/activity')).body.events as Array<{ type: string }>).map((e) => e.type)).toEqual(['checkout', 'checkin']);
  });

  it('#12 upload temp files of a dead server are removed at start; ones of a live upload elsewhere are kept', async () => {
    await server.close();
    const target = join(vault.root, 'customer-a', 'PN2002.vnc');
    const dead = uploadTempName(target).replace(`-${process.pid}-`, '-4194999-');
    const foreignOld = join(vault.root, '.PN1001.mcam.0badc0-42-beef' + UPLOAD_SUFFIX);
    const foreignFresh = join(vault.root, '.PN1002.mcam.0badc0-43-beef' + UPLOAD_SUFFIX);
    for (const f of [dead, foreignOld, foreignFresh]) await writeFile(f, 'partial');
    const hourAgo = new Date(Date.now() - 2 * 3600_000);
    await utimes(foreignOld, hourAgo, hourAgo);
    server = await startServer(vault);
    await eventually(async () => (await tempFiles(vault.root)).length === 1, 5000, 'left-overs removed');
    expect(await tempFiles(vault.root)).toEqual(['.PN1002.mcam.0badc0-43-beef' + UPLOAD_SUFFIX]);
  });

  it('#12 a file or its folder swapped for a link during an upload: 404, no temp file, nothing written outside', async () => {
    await writeFile(join(vault.outside, 'canary.mcam'), 'outside');
    await mkdir(join(vault.outside, 'folder'));
    for (const swap of ['file', 'folder'] as const) {
      const name = swap === 'file' ? 'PN1001.mcam' : 'customer-a/PN2002.vnc';
      const abs = join(vault.root, ...name.split('/'));
      await api(server.url, '/api/files/checkout', { json: { filename: name, user: 'alice' } });
      const { port } = new URL(server.url);
      const answer = new Promise<string>((resolve) => {
        let text = '';
        const sock = tcpConnect(Number(port), '127.0.0.1', () => void (async () => {
          sock.write(`PUT /api/files/${name}/content HTTP/1.1\r\nHost: 127.0.0.1\r\nX-PDM-User: alice\r\nContent-Length: 10\r\nConnection: close\r\n\r\nhello`);
          // Swap while the body is still arriving.
          await new Promise((r) => setTimeout(r, 150));
          if (swap === 'file') {
            await rename(abs, `${abs}.moved`);
            await symlink(join(vault.outside, 'canary.mcam'), abs);
          } else {
            await rename(join(vault.root, 'customer-a'), join(vault.root, 'customer-a-moved'));
            await symlink(join(vault.outside, 'folder'), join(vault.root, 'customer-a'));
          }
          sock.write('world');
        })());
        sock.on('data', (d) => (text += d));
        sock.on('close', () => resolve(text));
      });
      expect(await answer).toMatch(/^HTTP\/1\.1 404/);
      expect(await readFile(join(vault.outside, 'canary.mcam'), 'utf8')).toBe('outside');
      expect(await readdir(join(vault.outside, 'folder'))).toEqual([]);
      // The temp file was made in the real folder before the swap; it is gone from there too.
      await eventually(async () => (await tempFiles(vault.root)).length === 0, 3000, `no temp file (${swap})`);
    }
  });
});
