import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, run } from '../support/processes.js';
import { api, eventually, startServer, type TestServer } from '../support/server.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';

describe('the terminal client: status, checkout, checkin, wait', () => {
  let vault: TempVault;
  let server: TestServer;
  beforeEach(async () => {
    vault = await makeVault();
    server = await startServer(vault);
  });
  afterEach(async () => {
    await server.close();
    await vault.cleanup();
  });
  const pdm = (args: string[], env: Record<string, string> = {}) => run(args, { env: { PDM_URL: server.url, ...env } });

  it('checks out, shows, checks in (with an upload) and prints plain lines when piped, JSON with --json; exit 0', async () => {
    const out = await pdm(['checkout', 'PN1001.mcam', 'PN1002.mcam', '-m', 'job 4711', '--user', 'alice']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout.trim().split('\n')).toEqual(['PN1001.mcam\tchecked out\talice\tjob 4711', 'PN1002.mcam\tchecked out\talice\tjob 4711']);
    const mine = await pdm(['status', '--mine'], { PDM_USER: 'alice' });
    expect(mine.stdout.trim().split('\n').map((l) => l.split('\t')[0])).toEqual(['PN1001.mcam', 'PN1002.mcam']);
    const json = await pdm(['status', 'PN1003.vnc', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ files: [{ name: 'PN1003.vnc', status: 'available' }] });
    const upload = join(vault.outside, 'new.mcam');
    await writeFile(upload, 'new content');
    const back = await pdm(['checkin', 'PN1001.mcam', '--upload', upload, '--comment', 'posted', '--user', 'alice']);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toMatch(/^PN1001.mcam\tavailable/);
    expect((await api(server.url, '/api/files/PN1001.mcam/versions')).body.versions[0]).toMatchObject({ user: 'alice', comment: 'posted' });
  });

  it('refused: exit 1 and the server\'s detail on one line; bad usage exit 2; a server that is down exit 3', async () => {
    await pdm(['checkout', 'PN1001.mcam', '--user', 'alice']);
    const refused = await pdm(['checkout', 'PN1001.mcam', '--user', 'bob']);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/already checked out by alice/);
    expect((await pdm(['checkin', 'nope.mcam', '--user', 'bob'])).code).toBe(1);
    expect((await pdm(['checkout'])).code).toBe(2);
    expect((await pdm(['status', '--url', 'ftp://x'])).code).toBe(2);
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const down = await run(['status'], { env: { PDM_URL: `http://127.0.0.1:${port}` } });
    expect(down.code).toBe(3);
    expect(down.stderr.trim()).toBe(`pdm-live: cannot reach http://127.0.0.1:${port} (ECONNREFUSED)`);
  });

  it('wait joins the queue and returns once the file is handed over', async () => {
    await pdm(['checkout', 'PN1003.vnc', '--user', 'alice']);
    const w = spawn(process.execPath, [BIN, 'wait', 'PN1003.vnc', '-m', 'need it', '--user', 'bob'], { cwd: ROOT, env: { ...process.env, PDM_URL: server.url }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    w.stdout.on('data', (d) => (out += d));
    w.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => w.once('exit', r));
    try {
      await eventually(() => err.includes('waiting for PN1003.vnc (held by alice; 1 in the queue)'), 8000, 'queued');
      await api(server.url, '/api/files/checkin', { json: { filename: 'PN1003.vnc', user: 'alice' } });
      expect(await exited).toBe(0);
      expect(out).toMatch(/^PN1003.vnc\tchecked out\tbob\tneed it/);
    } finally {
      w.kill();
    }
  });
});
