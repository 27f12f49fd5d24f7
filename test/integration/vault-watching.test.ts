import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, eventually, startServer, type TestServer } from '../support/server.js';
import { afterEverythingBefore, connect, type Observer } from '../support/sockets.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';

/** The vault is watched per folder (not per file): folders that come, go and move are followed. */
describe('vault watching, folder by folder', () => {
  let vault: TempVault;
  let server: TestServer;
  let bob: Observer;
  beforeEach(async () => {
    vault = await makeVault(['keep/K1.mcam']);
    server = await startServer(vault);
    bob = await connect(server.url, 'bob');
  });
  afterEach(async () => {
    bob.close();
    await server.close();
    await vault.cleanup();
  });

  const names = async () => ((await api(server.url, '/api/files')).body.files as { name: string }[]).map((f) => f.name);

  it('a folder moved in already full, renamed, then deleted: every file follows', async () => {
    // Filled outside the vault, so no event for its files ever fires inside it.
    const outside = await mkdtemp(join(tmpdir(), 'pdm-outside-'));
    await mkdir(join(outside, 'job/ops'), { recursive: true });
    await writeFile(join(outside, 'job/A.mcam'), 'a');
    await writeFile(join(outside, 'job/ops/B.vnc'), 'b');
    await rename(join(outside, 'job'), join(vault.root, 'job'));
    await eventually(async () => (await names()).includes('job/ops/B.vnc'), 5000, 'moved-in files listed');
    expect(await names()).toEqual(['job/A.mcam', 'job/ops/B.vnc', 'keep/K1.mcam']);

    // A file written into the moved-in sub-folder afterwards: that folder is watched too.
    await writeFile(join(vault.root, 'job/ops/C.mcam'), 'c');
    await bob.waitFor('file:added', (d) => d.file.name === 'job/ops/C.mcam');

    await rename(join(vault.root, 'job'), join(vault.root, 'done'));
    await eventually(async () => (await names()).join() === 'done/A.mcam,done/ops/B.vnc,done/ops/C.mcam,keep/K1.mcam', 5000, 'renamed folder followed');
    // ...and the renamed folder is still watched.
    await writeFile(join(vault.root, 'done/ops/D.mcam'), 'd');
    await bob.waitFor('file:added', (d) => d.file.name === 'done/ops/D.mcam');

    await rm(join(vault.root, 'done'), { recursive: true });
    await eventually(async () => (await names()).join() === 'keep/K1.mcam', 5000, 'deleted folder gone');
    await rm(outside, { recursive: true, force: true });
  });

  it('a folder deleted and made again under the same name is watched again', async () => {
    await mkdir(join(vault.root, 'job/ops'), { recursive: true });
    await writeFile(join(vault.root, 'job/ops/A.mcam'), 'a');
    await bob.waitFor('file:added', (d) => d.file.name === 'job/ops/A.mcam');
    await rm(join(vault.root, 'job'), { recursive: true });
    await mkdir(join(vault.root, 'job/ops'), { recursive: true });
    await writeFile(join(vault.root, 'job/ops/B.mcam'), 'b');
    await eventually(async () => (await names()).join() === 'job/ops/B.mcam,keep/K1.mcam', 5000, 'the new folder seen');
    // Files written into the new folder later are seen too.
    await writeFile(join(vault.root, 'job/ops/C.mcam'), 'c');
    await bob.waitFor('file:added', (d) => d.file.name === 'job/ops/C.mcam');
  });

  it('a file being written is reported once, when it has settled', async () => {
    const path = join(vault.root, 'keep/BIG.mcam');
    await writeFile(path, 'x'.repeat(1000));
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 30));
      await writeFile(path, 'x'.repeat(1000 * (i + 2)), { flag: 'w' });
    }
    const added = await bob.waitFor('file:added', (d) => d.file.name === 'keep/BIG.mcam');
    expect(added.file.size_bytes).toBe(6000);
    await afterEverythingBefore(vault, bob);
    expect(bob.received.filter((r) => r.event === 'file:changed' && r.data.file.name === 'keep/BIG.mcam')).toHaveLength(0);
  });

  it('GET /api/files is gzipped for clients that accept it, and the same list', async () => {
    await Promise.all(Array.from({ length: 800 }, (_, i) => vault.write(`many/M${String(i).padStart(4, '0')}.mcam`, 'x')));
    await eventually(async () => (await names()).length === 801, 10_000, '801 files');
    const raw = await new Promise<{ encoding?: string; vary?: string; body: Buffer }>((resolve, reject) => {
      http.get(`${server.url}/api/files`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ encoding: res.headers['content-encoding'], vary: String(res.headers.vary), body: Buffer.concat(chunks) }));
      }).on('error', reject);
    });
    expect(raw.encoding).toBe('gzip');
    expect(raw.vary).toMatch(/Accept-Encoding/i);
    const unzipped = JSON.parse(gunzipSync(raw.body).toString('utf8'));
    expect(unzipped).toEqual((await api(server.url, '/api/files')).body);
    expect(unzipped.files).toHaveLength(801);
  });
});
