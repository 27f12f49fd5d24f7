import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { api, eventually, serverPerTest } from '../support/server.js';
import { connect } from '../support/sockets.js';

const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');

describe('versions', () => {
  const t = serverPerTest({ keepVersions: 3, maxUploadBytes: 1000 });

  const put = (name: string, body: string, user: string) =>
    api(t.server.url, `/api/files/${name}/content`, { method: 'PUT', body, headers: { 'x-pdm-user': user, 'content-type': 'application/octet-stream' } });
  const checkout = (name: string, user: string) => api(t.server.url, '/api/files/checkout', { json: { filename: name, user } });
  const versions = async (name: string) => (await api(t.server.url, `/api/files/${name}/versions`)).body.versions;
  const tempFiles = async () => (await readdir(t.vault.root, { recursive: true })).filter((f) => f.endsWith('.pdm-upload'));

  it('the holder uploads a new version; the old content is kept; others see it live with the version', async () => {
    const watcher = await connect(t.server.url, 'watcher');
    try {
      await checkout('PN1001.mcam', 'alice');
      const r = await put('PN1001.mcam', 'new program v2', 'alice');
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ success: true, file: { name: 'PN1001.mcam', size_bytes: 14 }, version: { number: 2, user: 'alice', size_bytes: 14, sha256: sha('new program v2'), comment: null } });
      expect(await readFile(join(t.vault.root, 'PN1001.mcam'), 'utf8')).toBe('new program v2');
      const list = await versions('PN1001.mcam');
      expect(list.map((v: any) => [v.number, v.user])).toEqual([
        [2, 'alice'],
        [1, null],
      ]);
      expect(await watcher.waitFor('file:changed', (d) => d.version === 2)).toMatchObject({ file: { size_bytes: 14 } });
      const act = await api(t.server.url, '/api/activity');
      expect(act.body.events.some((e: any) => e.type === 'version_added' && e.version === 2)).toBe(true);
      // Download of the old version, byte for byte.
      const old = await fetch(`${t.server.url}/api/files/PN1001.mcam/versions/1/content`);
      const bytes = Buffer.from(await old.arrayBuffer());
      expect(sha(bytes)).toBe(list[1].sha256);
      expect(bytes.toString()).toBe('content of PN1001.mcam\n');
    } finally {
      watcher.close();
    }
  });

  it('upload as another user is 403 NOT_LOCK_OWNER, with nobody holding it 409 NOT_LOCKED, over the limit 413', async () => {
    expect((await put('PN1001.mcam', 'x', 'alice')).body.code).toBe('NOT_LOCKED');
    await checkout('PN1001.mcam', 'alice');
    const other = await put('PN1001.mcam', 'x', 'bob');
    expect(other.status).toBe(403);
    expect(other.body.code).toBe('NOT_LOCK_OWNER');
    const big = await put('PN1001.mcam', 'x'.repeat(2000), 'alice');
    expect(big.status).toBe(413);
    expect(big.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await readFile(join(t.vault.root, 'PN1001.mcam'), 'utf8')).toBe('content of PN1001.mcam\n');
    expect(await tempFiles()).toEqual([]);
  });

  it('an upload cut off half-way leaves the file unchanged and no temp file', async () => {
    await checkout('PN1002.mcam', 'alice');
    const u = new URL(t.server.url);
    await new Promise<void>((resolve) => {
      const req = http.request({ host: u.hostname, port: u.port, method: 'PUT', path: '/api/files/PN1002.mcam/content', headers: { 'x-pdm-user': 'alice', 'content-length': '900' } });
      req.on('error', () => resolve());
      req.write('half of it');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 200);
    });
    await eventually(async () => (await tempFiles()).length === 0, 3000, 'temp file removed');
    expect(await readFile(join(t.vault.root, 'PN1002.mcam'), 'utf8')).toBe('content of PN1002.mcam\n');
    expect(t.server.app.store.get('PN1002.mcam')?.user).toBe('alice');
  });

  it('a save in place while held is a version by the holder; the same bytes twice make one; retention drops the oldest', async () => {
    await checkout('PN1003.vnc', 'alice');
    await eventually(async () => (await versions('PN1003.vnc')).length === 1, 3000, 'baseline');
    for (const [i, text] of ['save A', 'save A', 'save B', 'save C'].entries()) {
      await writeFile(join(t.vault.root, 'PN1003.vnc'), text);
      await eventually(async () => (await versions('PN1003.vnc'))[0]?.sha256 === sha(text), 5000, `save ${i}`);
    }
    const list = await versions('PN1003.vnc');
    expect(list.map((v: any) => [v.number, v.user, v.size_bytes])).toEqual([
      [4, 'alice', 6],
      [3, 'alice', 6],
      [2, 'alice', 6],
    ]);
    expect((await fetch(`${t.server.url}/api/files/PN1003.vnc/versions/1/content`)).status).toBe(404);
  });

  it('restore makes an old version current, as a new version, for the holder only', async () => {
    await checkout('PN1001.mcam', 'alice');
    await put('PN1001.mcam', 'second', 'alice');
    expect((await api(t.server.url, '/api/files/PN1001.mcam/versions/1/restore', { method: 'POST', headers: { 'x-pdm-user': 'bob' } })).body.code).toBe('NOT_LOCK_OWNER');
    const r = await api(t.server.url, '/api/files/PN1001.mcam/versions/1/restore', { method: 'POST', headers: { 'x-pdm-user': 'alice' } });
    expect(r.status).toBe(200);
    expect(r.body.version).toMatchObject({ number: 3, user: 'alice', comment: 'restored from version 1' });
    expect(await readFile(join(t.vault.root, 'PN1001.mcam'), 'utf8')).toBe('content of PN1001.mcam\n');
    const act = (await api(t.server.url, '/api/activity')).body.events;
    expect(act.some((e: any) => e.type === 'version_restored' && e.version === 3)).toBe(true);
    expect((await api(t.server.url, '/api/files/PN1001.mcam/versions/9/restore', { method: 'POST', headers: { 'x-pdm-user': 'alice' } })).status).toBe(404);
    expect((await api(t.server.url, '/api/files/PN1001.mcam/versions/x/content')).status).toBe(400);
    // Like every mutation, a JSON body's `user` names the caller (open mode).
    const byBody = await api(t.server.url, '/api/files/PN1001.mcam/versions/2/restore', { json: { user: 'alice' } });
    expect(byBody.status).toBe(200);
    expect(byBody.body.version).toMatchObject({ number: 4, user: 'alice', comment: 'restored from version 2' });
    expect((await api(t.server.url, '/api/files/PN1001.mcam/versions/2/restore', { json: { user: 'bob' } })).body.code).toBe('NOT_LOCK_OWNER');
    expect((await api(t.server.url, '/api/files/PN1001.mcam/versions/2/restore', { json: { user: 5 } })).status).toBe(400);
  });

  it('a check-in comment goes on the version made while the file was held', async () => {
    await checkout('PN1001.mcam', 'alice');
    await put('PN1001.mcam', 'with comment', 'alice');
    await api(t.server.url, '/api/files/checkin', { json: { filename: 'PN1001.mcam', user: 'alice', comment: 'Deeper pocket' } });
    await eventually(async () => (await versions('PN1001.mcam'))[0].comment === 'Deeper pocket', 3000, 'comment');
    const act = (await api(t.server.url, '/api/activity')).body.events;
    expect(act.find((e: any) => e.type === 'checkin')).toMatchObject({ message: 'Deeper pocket' });
  });

  it('a change on disk with no lock held is edited_unlocked, until the file is checked out and in', async () => {
    const watcher = await connect(t.server.url, 'watcher');
    try {
      await writeFile(join(t.vault.root, 'PN1002.mcam'), 'edited out of turn');
      const ev = await watcher.waitFor('file:changed', (d) => d.file.name === 'PN1002.mcam' && d.file.warning === 'edited_unlocked');
      expect(ev.version).toBe(1);
      expect((await api(t.server.url, '/api/files/PN1002.mcam')).body.warning).toBe('edited_unlocked');
      const act = await eventually(async () => (await api(t.server.url, '/api/activity')).body.events.find((e: any) => e.type === 'edited_unlocked'));
      expect(act).toMatchObject({ filename: 'PN1002.mcam', user: null });
      expect((await versions('PN1002.mcam'))[0]).toMatchObject({ number: 1, user: null });
      await checkout('PN1002.mcam', 'alice');
      expect((await api(t.server.url, '/api/files/PN1002.mcam')).body.warning).toBe('edited_unlocked');
      await api(t.server.url, '/api/files/checkin', { json: { filename: 'PN1002.mcam', user: 'alice' } });
      await eventually(async () => (await api(t.server.url, '/api/files/PN1002.mcam')).body.warning === null, 3000, 'warning cleared');
      await watcher.waitFor('file:changed', (d) => d.file.name === 'PN1002.mcam' && d.file.warning === null);
    } finally {
      watcher.close();
    }
  });
});
