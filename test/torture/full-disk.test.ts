import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, startServer, type TestServer } from '../support/server.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';
import { report } from './scale.js';

/** A small tmpfs for the data folder; needs root (mount). Returns null where mounting is refused. */
function mountTmpfs(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const sh = (...args: string[]) => execFileSync(args[0]!, args.slice(1), { stdio: 'ignore' });

describe('torture: a full disk and a read-only data folder', () => {
  let vault: TempVault;
  let server: TestServer;
  let dataDir: string;
  let mounted = false;

  beforeAll(async () => {
    vault = await makeVault(['A.mcam', 'B.mcam', 'C.mcam', 'D.mcam']);
    dataDir = await mkdtemp(join(tmpdir(), 'pdm-tmpfs-'));
    mounted = mountTmpfs(dataDir, '512k');
    if (!mounted) {
      process.stdout.write('[torture] full-disk: SKIPPED, this machine does not allow mounting a tmpfs (needs root)\n');
      return;
    }
    server = await startServer(vault, { dataDir, locksFile: join(dataDir, 'locks.json') });
  });
  afterAll(async () => {
    await server?.close();
    if (mounted) sh('umount', '-l', dataDir);
    await rm(dataDir, { recursive: true, force: true });
    await vault.cleanup();
  });

  it('mutations answer 503 while the disk is full or read-only, nothing is corrupted, service resumes', async (ctx) => {
    if (!mounted) return ctx.skip();
    const url = server.url;
    const checkout = (f: string) => api(url, '/api/files/checkout', { json: { filename: f, user: 'alice', message: 'x'.repeat(1500) } });
    expect((await checkout('A.mcam')).status).toBe(200);
    const before = await readFile(join(dataDir, 'locks.json'), 'utf8');

    // Fill the file system.
    await mkdir(join(dataDir, 'filler'), { recursive: true });
    let i = 0;
    for (; i < 10_000; i++) {
      try {
        await writeFile(join(dataDir, 'filler', `f${i}`), Buffer.alloc(16 * 1024));
      } catch {
        break;
      }
    }
    for (let j = 0; j < 200; j++) await writeFile(join(dataDir, 'filler', `small${j}`), 'x').catch(() => undefined);
    const full = await checkout('B.mcam');
    expect(full.status).toBe(503);
    expect(full.body.code).toBe('LOCKS_UNAVAILABLE');
    expect(await readFile(join(dataDir, 'locks.json'), 'utf8')).toBe(before);
    expect((await api(url, '/api/health')).body).toMatchObject({ status: 'degraded' });

    await rm(join(dataDir, 'filler'), { recursive: true });
    const resumed = await checkout('B.mcam');
    expect(resumed.status).toBe(200);
    await eventually(async () => (await api(url, '/api/health')).body.status === 'ok', 3000, 'health ok');

    // Read-only: the same. The remount fails while a file there is open for writing (the
    // check-out's journal and version record finish after its answer): retry briefly.
    await eventually(() => {
      try {
        sh('mount', '-o', 'remount,ro', dataDir);
        return true;
      } catch {
        return false;
      }
    }, 5000, 'remount read-only');
    const ro = await checkout('C.mcam');
    sh('mount', '-o', 'remount,rw', dataDir);
    expect(ro.status).toBe(503);
    expect(ro.body.code).toBe('LOCKS_UNAVAILABLE');
    expect((await checkout('C.mcam')).status).toBe(200);
    const locks = JSON.parse(await readFile(join(dataDir, 'locks.json'), 'utf8'));
    expect(Object.keys(locks).sort()).toEqual(['A.mcam', 'B.mcam', 'C.mcam']);
    report('full-disk', { tmpfs: '512k', filler_files: i, full_status: full.status, readonly_status: ro.status, resumed: 'yes' });
  });
});
