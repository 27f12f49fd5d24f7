import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api } from '../support/server.js';
import { run, spawnServer } from '../support/processes.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';
import { writeUsersFile } from '../support/users.js';

describe('pdm-live serve from the command line', () => {
  let vault: TempVault;
  beforeEach(async () => {
    vault = await makeVault();
  });
  afterEach(() => vault.cleanup());

  it('prints its URL, serves the vault, and on SIGINT exits 0 leaving no .lock directory', async () => {
    const s = await spawnServer(['--repo', vault.root]);
    expect(s.stdout()).toMatch(/^PDM Live listening on http:\/\/127\.0\.0\.1:\d+$/m);
    expect((await api(s.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam' } })).status).toBe(200);
    expect(await s.stop('SIGINT')).toBe(0);
    expect(existsSync(`${vault.locksFile}.lock`)).toBe(false);
  });

  it('SIGTERM also exits 0', async () => {
    const s = await spawnServer(['--repo', vault.root]);
    expect(await s.stop('SIGTERM')).toBe(0);
  });

  it('reads the environment: PDM_REPO, PDM_DATA, PDM_LOCKS, PDM_EXTENSIONS', async () => {
    const locks = `${vault.outside}/my-locks.json`;
    await vault.write('drawing.nc');
    const s = await spawnServer([], { PDM_REPO: vault.root, PDM_DATA: `${vault.outside}/data`, PDM_LOCKS: locks, PDM_EXTENSIONS: '.NC,mcam' });
    try {
      const files = (await api(s.url, '/api/files')).body.files.map((f: any) => f.name);
      expect(files).toEqual(['PN1001.mcam', 'PN1002.mcam', 'drawing.nc']);
      await api(s.url, '/api/files/checkout', { json: { filename: 'drawing.nc', user: 'a' } });
      expect(existsSync(locks)).toBe(true);
      expect(existsSync(`${vault.outside}/data/activity.jsonl`)).toBe(true);
    } finally {
      await s.stop();
    }
  });

  it.each([
    [['--bogus'], /unknown option/],
    [['--port', 'eighty'], /invalid --port/],
    [['--port', '70000'], /invalid --port/],
    [['--extensions', ',,'], /invalid --extensions/],
    [['--host', '0.0.0.0'], /refusing to listen on 0\.0\.0\.0/],
  ])('a bad flag %j is one line on stderr and a non-zero exit', async (args, message) => {
    const r = await run(['serve', '--no-web', '--repo', vault.root, ...args]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it('secrets stay off the share: a users file or --keys inside the vault is refused at start', async () => {
    await writeUsersFile(join(vault.root, 'users.json'), { alice: ['alice-password-1', 'user'] });
    const users = await run(['serve', '--no-web', '--repo', vault.root, '--users', join(vault.root, 'users.json')]);
    expect(users.code).not.toBe(0);
    expect(users.stderr.trim().split('\n')).toHaveLength(1);
    expect(users.stderr).toMatch(/users file .* is inside the vault/);
    const keys = await run(['serve', '--no-web', '--repo', vault.root, '--keys', join(vault.root, 'keys')]);
    expect(keys.code).not.toBe(0);
    expect(keys.stderr).toMatch(/--keys .* is inside the vault/);
  });

  it('a missing vault is one line on stderr and a non-zero exit', async () => {
    const r = await run(['serve', '--no-web', '--repo', `${vault.outside}/nope`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/vault .* is missing or unreadable/);
  });

  it('a port in use is one line on stderr and a non-zero exit', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await run(['serve', '--no-web', '--repo', vault.root, '--port', String(port)]);
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`port ${port} .* already in use: choose another with --port N \\(or PORT=N\\)`));
    } finally {
      blocker.close();
    }
  });

  it('pdm-live watch: a malformed URL is one clear line and a non-zero exit', async () => {
    const r = await run(['watch', '--url', 'not a url']);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toMatch(/^pdm-live: error: invalid --url/);
  });
});
