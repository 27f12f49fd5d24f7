import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnServer } from '../support/processes.js';
import { api, eventually, startServer, type TestServer } from '../support/server.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';
import { afterEverythingBefore, connect } from '../support/sockets.js';

// The seven ways a version lost acknowledged bytes (issue: versions keep every acknowledged
// byte), each at 0, 10, 50 and 200 ms, with 3 MiB files where size matters.
const DELAYS = [0, 10, 50, 200];
const MIB3 = 3 * 1024 * 1024;
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface V {
  number: number;
  user: string | null;
  sha256: string;
  size_bytes: number;
  comment: string | null;
}

describe('versions keep every acknowledged byte', () => {
  let vault: TempVault;
  let server: TestServer;
  let original: Buffer;
  const file = 'BIG.mcam';
  const abs = () => join(vault.root, file);
  const post = (path: string, json: unknown, url = server.url) => api(url, path, { json });
  const put = (bytes: Buffer, url = server.url, user = 'alice') => api(url, `/api/files/${file}/content`, { method: 'PUT', body: bytes, headers: { 'x-pdm-user': user, 'content-type': 'application/octet-stream' } });
  const versions = async (url = server.url) => (await api(url, `/api/files/${file}/versions`)).body.versions as V[];
  /** Every version's bytes match its sha256 and size. */
  const allVersionsIntact = async (url = server.url) => {
    for (const v of await versions(url)) {
      const res = await fetch(`${url}/api/files/${file}/versions/${v.number}/content`);
      expect(res.status, `version ${v.number}`).toBe(200);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.length, `version ${v.number} size`).toBe(v.size_bytes);
      expect(sha(bytes), `version ${v.number} sha`).toBe(v.sha256);
    }
  };

  beforeEach(async () => {
    original = randomBytes(MIB3);
    vault = await makeVault(['small.mcam', 'other.mcam']);
    await vault.write(file, original);
    server = await startServer(vault);
  });
  afterEach(async () => {
    await server.close();
    await vault.cleanup();
  });

  it.each(DELAYS)('1. a save %i ms after a check-out (one file and several), then undo: the original is put back', async (d) => {
    expect((await post('/api/files/checkout', { filename: file, user: 'alice' })).status).toBe(200);
    await sleep(d);
    await writeFile(abs(), randomBytes(MIB3));
    const undo = await post('/api/files/checkin', { filename: file, user: 'alice', revert: true });
    expect(undo.status).toBe(200);
    expect(undo.body.reverted).toBe(true);
    expect((await readFile(abs())).equals(original)).toBe(true);

    // Several files at once.
    expect((await post('/api/files/checkout', { filenames: [file, 'small.mcam'], user: 'bob' })).status).toBe(200);
    await sleep(d);
    await writeFile(abs(), 'bob saved over it');
    const undo2 = await post('/api/files/checkin', { filename: file, user: 'bob', revert: true });
    expect(undo2.body).toMatchObject({ reverted: true });
    expect((await readFile(abs())).equals(original)).toBe(true);
  });

  it.each(DELAYS)('2. two uploads in flight, and a restore racing an upload (%i ms apart): each answer names its own bytes', async (d) => {
    expect((await post('/api/files/checkout', { filename: file, user: 'alice' })).status).toBe(200);
    const a = randomBytes(MIB3);
    const b = randomBytes(MIB3);
    const [ra, rb] = await Promise.all([put(a), sleep(d).then(() => put(b))]);
    expect([ra.status, rb.status]).toEqual([200, 200]);
    expect(ra.body.version.sha256).toBe(sha(a));
    expect(rb.body.version.sha256).toBe(sha(b));
    const last = ra.body.version.number > rb.body.version.number ? a : b;
    expect((await readFile(abs())).equals(last)).toBe(true);

    const first = (await versions()).at(-1)!;
    const c = randomBytes(MIB3);
    const [restored, uploaded] = await Promise.all([post(`/api/files/${file}/versions/${first.number}/restore`, { user: 'alice' }), sleep(d).then(() => put(c))]);
    expect(restored.status).toBe(200);
    expect(restored.body.version.sha256).toBe(first.sha256);
    expect(uploaded.body.version.sha256).toBe(sha(c));
    await allVersionsIntact();
  });

  it.each(DELAYS)('2b. an upload while a hand save truncates the file (%i ms): the answer is the bytes sent', async (d) => {
    expect((await post('/api/files/checkout', { filename: file, user: 'alice' })).status).toBe(200);
    const a = randomBytes(MIB3);
    const [ra] = await Promise.all([put(a), sleep(d).then(() => writeFile(abs(), ''))]);
    expect(ra.status).toBe(200);
    expect(ra.body.version).toMatchObject({ sha256: sha(a), size_bytes: MIB3 });
    await allVersionsIntact();
  });

  it.each(DELAYS)('3. a hand save %i ms after an upload is recorded, as the holder\'s', async (d) => {
    expect((await post('/api/files/checkout', { filename: file, user: 'alice' })).status).toBe(200);
    const saved = randomBytes(1000);
    await Promise.all([put(randomBytes(MIB3)), sleep(d).then(() => writeFile(abs(), saved))]);
    // Whatever the order, the file's content now is a version, the newest, by alice.
    const now = await readFile(abs());
    await eventually(async () => (await versions())[0]?.sha256 === sha(now), 10_000, 'the content on disk recorded');
    expect((await versions())[0]!.user).toBe('alice');
    await allVersionsIntact();
  });

  it.each(DELAYS)('4. 3 MiB saves in place during uploads and restores (%i ms): every version holds exactly its bytes', async (d) => {
    expect((await post('/api/files/checkout', { filename: file, user: 'alice' })).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      await Promise.all([put(randomBytes(MIB3)), sleep(d).then(() => writeFile(abs(), randomBytes(MIB3)))]);
      const oldest = (await versions()).at(-1)!;
      await Promise.all([post(`/api/files/${file}/versions/${oldest.number}/restore`, { user: 'alice' }), sleep(d).then(() => writeFile(abs(), randomBytes(MIB3)))]);
    }
    await allVersionsIntact();
  });

  it.each(DELAYS)('5. undo racing an upload (%i ms): after both answers the lock is released and the file is the original', async (d) => {
    expect((await post('/api/files/checkout', { filename: file, user: 'alice' })).status).toBe(200);
    const [up, undo] = await Promise.all([put(randomBytes(MIB3)), sleep(d).then(() => post('/api/files/checkin', { filename: file, user: 'alice', revert: true }))]);
    expect(undo.status).toBe(200);
    expect([200, 409]).toContain(up.status);
    expect((await api(server.url, `/api/files/${file}`)).body.locked_by).toBeNull();
    expect((await readFile(abs())).equals(original)).toBe(true);
    if (up.status === 200) expect(undo.body.reverted).toBe(true);
    else expect(up.body.code).toBe('NOT_LOCKED');
  });

  it.each(DELAYS)('7. a save %i ms before a check-in with a comment: the save is the holder\'s version and carries the comment', async (d) => {
    const watcher = await connect(server.url, 'watcher');
    expect((await post('/api/files/checkout', { filename: 'small.mcam', user: 'alice' })).status).toBe(200);
    await writeFile(join(vault.root, 'small.mcam'), `alice's save ${d}`);
    await sleep(d);
    expect((await post('/api/files/checkin', { filename: 'small.mcam', user: 'alice', comment: 'fixed the feed' })).status).toBe(200);
    const newest = ((await api(server.url, '/api/files/small.mcam/versions')).body.versions as V[])[0]!;
    expect(newest).toMatchObject({ user: 'alice', comment: 'fixed the feed', sha256: sha(`alice's save ${d}`) });
    // The watcher's late report of the save must not make an edit of nobody.
    await afterEverythingBefore(vault, watcher);
    watcher.close();
    const events = (await api(server.url, '/api/activity')).body.events as Array<{ type: string; filename: string }>;
    expect(events.filter((e) => e.type === 'edited_unlocked')).toEqual([]);
  });
});

describe('versions: two servers on one vault', () => {
  let vault: TempVault;
  let a: TestServer;
  let b: TestServer;
  beforeEach(async () => {
    vault = await makeVault([]);
    await vault.write('BIG.mcam', randomBytes(MIB3));
    [a, b] = await Promise.all([startServer(vault), startServer(vault)]);
  });
  afterEach(async () => {
    await Promise.all([a.close(), b.close()]);
    await vault.cleanup();
  });

  it.each(DELAYS)('uploads through both servers (%i ms apart) each get their own bytes; every version is intact', async (d) => {
    expect((await api(a.url, '/api/files/checkout', { json: { filename: 'BIG.mcam', user: 'alice' } })).status).toBe(200);
    const x = randomBytes(MIB3);
    const y = randomBytes(MIB3);
    const send = (url: string, bytes: Buffer) => api(url, '/api/files/BIG.mcam/content', { method: 'PUT', body: bytes, headers: { 'x-pdm-user': 'alice', 'content-type': 'application/octet-stream' } });
    const [rx, ry] = await Promise.all([send(a.url, x), sleep(d).then(() => send(b.url, y))]);
    expect(rx.body.version.sha256).toBe(sha(x));
    expect(ry.body.version.sha256).toBe(sha(y));
    const list = (await api(a.url, '/api/files/BIG.mcam/versions')).body.versions as V[];
    expect(list.map((v) => v.sha256)).toEqual(expect.arrayContaining([sha(x), sha(y)]));
    expect(new Set(list.map((v) => v.number)).size).toBe(list.length);
  });
});

describe('versions: kill -9 right after an acknowledged check-in with a comment', () => {
  it.each(DELAYS)('the comment survives (killed %i ms after the answer)', async (d) => {
    const vault = await makeVault(['PN1.mcam']);
    try {
      let s = await spawnServer(['--repo', vault.root]);
      expect((await api(s.url, '/api/files/checkout', { json: { filename: 'PN1.mcam', user: 'alice' } })).status).toBe(200);
      await writeFile(join(vault.root, 'PN1.mcam'), 'alice saved');
      const r = await api(s.url, '/api/files/checkin', { json: { filename: 'PN1.mcam', user: 'alice', comment: 'ready to run' } });
      expect(r.status).toBe(200);
      await sleep(d);
      await s.stop('SIGKILL');
      s = await spawnServer(['--repo', vault.root]);
      const newest = ((await api(s.url, '/api/files/PN1.mcam/versions')).body.versions as V[])[0]!;
      expect(newest).toMatchObject({ user: 'alice', comment: 'ready to run', sha256: sha('alice saved') });
      await s.stop();
    } finally {
      await vault.cleanup();
    }
  });
});
