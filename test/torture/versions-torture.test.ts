import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnServer } from '../support/processes.js';
import { api } from '../support/server.js';
import { makeVault } from '../support/temp-vault.js';
import { pick, report } from './scale.js';

const MIB3 = 3 * 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rand = (n: number) => Math.floor(Math.random() * n);

describe('torture: versions of 3 MiB files under uploads, restores, undos and saves', () => {
  const seconds = pick(8, 60);
  it('every version holds its bytes, every answer names its own, and the vault ends as last acknowledged', { timeout: (seconds + 120) * 1000 }, async () => {
    const files = ['T1.mcam', 'T2.mcam', 'T3.mcam'];
    const vault = await makeVault([]);
    for (const f of files) await vault.write(f, randomBytes(MIB3));
    const servers = await Promise.all([spawnServer(['--repo', vault.root, '--client-budget', '0']), spawnServer(['--repo', vault.root, '--client-budget', '0'])]);
    const url = () => servers[rand(servers.length)]!.url;
    const counts: Record<string, number> = { upload: 0, racedSave: 0, restore: 0, undo: 0, checkin: 0 };
    const put = (f: string, bytes: Buffer) => api(url(), `/api/files/${f}/content`, { method: 'PUT', body: bytes, headers: { 'x-pdm-user': 'tortoise', 'content-type': 'application/octet-stream' } });
    const post = (path: string, json: unknown) => api(url(), path, { json });
    const checkout = async (f: string) => {
      const r = await post('/api/files/checkout', { filename: f, user: 'tortoise' });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return sha(await readFile(join(vault.root, f)));
    };
    try {
      const deadline = Date.now() + seconds * 1000;
      await Promise.all(
        files.map(async (f) => {
          let atCheckout = await checkout(f);
          for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
            const op = ['upload', 'racedSave', 'restore', 'undo', 'checkin'][rand(5)]!;
            counts[op]!++;
            if (op === 'upload' || op === 'racedSave') {
              const bytes = randomBytes(MIB3);
              const [r] = await Promise.all([put(f, bytes), op === 'racedSave' ? sleep(rand(30)).then(() => writeFile(join(vault.root, f), randomBytes(MIB3))) : null]);
              expect(r.status, JSON.stringify(r.body)).toBe(200);
              expect(r.body.version.sha256).toBe(sha(bytes));
            } else if (op === 'restore') {
              const list = (await api(url(), `/api/files/${f}/versions`)).body.versions as Array<{ number: number; sha256: string }>;
              const v = list[rand(list.length)]!;
              const r = await post(`/api/files/${f}/versions/${v.number}/restore`, { user: 'tortoise' });
              expect(r.status, JSON.stringify(r.body)).toBe(200);
              expect(r.body.version.sha256).toBe(v.sha256);
            } else if (op === 'undo') {
              const r = await post('/api/files/checkin', { filename: f, user: 'tortoise', revert: true });
              expect(r.status, JSON.stringify(r.body)).toBe(200);
              expect(sha(await readFile(join(vault.root, f)))).toBe(atCheckout);
              atCheckout = await checkout(f);
            } else {
              const r = await post('/api/files/checkin', { filename: f, user: 'tortoise', comment: `round ${i}` });
              expect(r.status, JSON.stringify(r.body)).toBe(200);
              atCheckout = await checkout(f);
            }
          }
          // The last acknowledged content is the vault's.
          const last = randomBytes(MIB3);
          expect((await put(f, last)).status).toBe(200);
          expect((await readFile(join(vault.root, f))).equals(last)).toBe(true);
        }),
      );
      let checked = 0;
      for (const f of files) {
        const list = (await api(servers[0].url, `/api/files/${f}/versions`)).body.versions as Array<{ number: number; sha256: string; size_bytes: number }>;
        expect(list[0]!.sha256).toBe(sha(await readFile(join(vault.root, f))));
        for (const v of list) {
          const res = await fetch(`${servers[0].url}/api/files/${f}/versions/${v.number}/content`);
          const bytes = Buffer.from(await res.arrayBuffer());
          expect([res.status, bytes.length, sha(bytes)]).toEqual([200, v.size_bytes, v.sha256]);
          checked++;
        }
      }
      report('versions', { seconds, ...counts, versionsChecked: checked });
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      await vault.cleanup();
    }
  });
});
