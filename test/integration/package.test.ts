import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/processes.js';
import { api } from '../support/server.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';

const exec = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * The tarball as a shop installs it: `npm pack`, then a global install into a temporary prefix
 * with production dependencies only, started from a working directory that is not the checkout.
 */
describe('the installed tarball', () => {
  let work: string;
  let tarball: string;
  let prefix: string;
  let vault: TempVault;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'pdm-pack-'));
    // npm test has built dist/ already; prepack would build it again.
    const packed = await exec(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, timeout: 60_000 });
    const info = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(work, info[0]!.filename);
    (globalThis as { packedFiles?: string[] }).packedFiles = info[0]!.files.map((f) => f.path);
    prefix = join(work, 'prefix');
    await exec(npm, ['install', '--global', '--prefix', prefix, '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: work, timeout: 240_000 });
    vault = await makeVault();
  }, 300_000);

  afterAll(async () => {
    await vault?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('holds the built server and page, not the sources, tests or benchmarks', () => {
    const files = (globalThis as { packedFiles?: string[] }).packedFiles!;
    expect(files).toContain('bin/pdm-live.js');
    expect(files).toContain('dist/server/cli/main.js');
    expect(files).toContain('dist/server/locks/commit-thread.js');
    expect(files).toContain('dist/web/index.html');
    expect(files.filter((f) => /^(test|bench|scripts|web|server|shared)\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toEqual([]);
  });

  it('installs without a TypeScript compiler, loader, bundler or dev server', () => {
    const modules = join(prefix, 'lib', 'node_modules', 'pdm-live', 'node_modules');
    const installed = existsSync(modules) ? readdirSync(modules) : [];
    expect(installed).toContain('express');
    for (const dev of ['tsx', 'esbuild', 'vite', 'typescript', 'vitest', '@esbuild']) expect(installed).not.toContain(dev);
  });

  it('runs from another working directory: a check-out over HTTP, the page, and a clean stop', async () => {
    const bin = join(prefix, 'bin', 'pdm-live');
    const version = await exec(bin, ['--version'], { cwd: tmpdir(), timeout: 20_000 });
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);

    const proc = spawn(bin, ['serve', '--repo', vault.root, '--port', '0', '--log-level', 'warn'], { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed: ${out} ${err}`)), 20_000);
        proc.stdout.on('data', () => {
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        proc.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
      });
      const checkout = await api(url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice', message: 'from the tarball' } });
      expect(checkout.status).toBe(200);
      expect(checkout.body.file.locked_by).toBe('alice');
      // The commit and version threads run from compiled files: a second check-out records a version.
      expect((await api(url, '/api/files/checkin', { json: { filename: 'PN1001.mcam', user: 'alice' } })).status).toBe(200);
      const page = await fetch(url + '/');
      expect(page.status).toBe(200);
      const html = await page.text();
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      expect(script).toBeTruthy();
      expect((await fetch(url + script)).status).toBe(200);
      // No helper process (an esbuild service, a dev server) runs beside the server.
      const children = await exec('ps', ['-o', 'pid=', '--ppid', String(proc.pid)]).then((r) => r.stdout.trim(), () => '');
      expect(children).toBe('');
      // How long the stop takes is measured in bench/stop-and-recover.ts.
      proc.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(err).toBe('');
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
  });
});
