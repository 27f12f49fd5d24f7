import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually } from '../support/server.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';
import { ROOT } from '../support/processes.js';
import { Wine, winPath, type WinServer } from '../support/wine.js';

/**
 * The Windows stage: the built server under the official Windows node.exe in Wine, on vaults
 * given as Windows paths (`Z:\…`). What Wine cannot show (Explorer renames, ACLs, Defender) is
 * covered by test/unit/windows-storage.test.ts, which plays Windows' refusals on Linux.
 */
describe('Windows: the built server under node.exe (Wine)', { timeout: 180_000 }, () => {
  let wine: Wine;
  const vaults: TempVault[] = [];
  const servers: WinServer[] = [];

  beforeAll(async () => {
    wine = await Wine.start();
  }, 180_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await wine.close();
    await Promise.all(vaults.map((v) => v.cleanup()));
  }, 60_000);

  async function vault(files: string[]): Promise<TempVault> {
    const v = await makeVault(files);
    vaults.push(v);
    return v;
  }
  async function serve(v: TempVault, args: string[] = []): Promise<WinServer> {
    const s = await wine.serve(['--repo', winPath(v.root), '--keys', winPath(v.keysDir), ...args]);
    servers.push(s);
    return s;
  }
  const checkout = (url: string, filename: string, user: string) => api(url, '/api/files/checkout', { json: { filename, user, message: 'on the mill' } });
  const checkin = (url: string, filename: string, user: string) => api(url, '/api/files/checkin', { json: { filename, user } });

  it('serves, checks many files out and in without a 503 (no folder flush), and stops on Ctrl+C with exit 0', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `PN${100 + i}.mcam`);
    const v = await vault(names);
    const s = await serve(v);
    expect((await api(s.url, '/api/health')).body).toMatchObject({ status: 'ok', locks: 'ok' });
    for (const n of names) expect((await checkout(s.url, n, 'alice')).status).toBe(200);
    expect(Object.keys(JSON.parse(await readFile(v.locksFile, 'utf8')) as object)).toHaveLength(10);
    for (const n of names) expect((await checkin(s.url, n, 'alice')).status).toBe(200);
    expect((await api(s.url, '/api/health')).body).toMatchObject({ status: 'ok', locks: 'ok' });
    expect(await s.stop()).toBe(0);
    await expect(stat(`${v.locksFile}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('Ctrl+Break and a closed console (SIGBREAK, SIGHUP) stop it as Ctrl+C does: exit 0, no lock folder left', async () => {
    for (const signal of ['SIGBREAK', 'SIGHUP']) {
      const v = await vault(['PN1.mcam']);
      // node.exe cannot be sent Ctrl+Break from Linux: the server runs in a script that, once it
      // listens, raises the signal's event in that very process, as Windows' console handler does.
      const script = join(v.outside, 'break.mjs');
      const serveJs = `file:///${winPath(join(ROOT, 'dist', 'server', 'cli', 'serve.js')).replaceAll('\\', '/')}`;
      await writeFile(script, `const { serve } = await import(${JSON.stringify(serveJs)});\nawait serve({ repo: ${JSON.stringify(winPath(v.root))}, keys: ${JSON.stringify(winPath(v.keysDir))}, port: '0', web: false });\nsetTimeout(() => process.emit(${JSON.stringify(signal)}, ${JSON.stringify(signal)}), 500);\n`);
      const p = wine.script(script, []);
      const timer = setTimeout(() => p.proc.kill('SIGKILL'), 60_000);
      const code = await p.exited;
      clearTimeout(timer);
      expect(p.stdout(), p.stderr()).toContain('PDM Live listening on');
      expect(code, `${signal}: ${p.stderr()}`).toBe(0);
      await expect(stat(`${v.locksFile}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
    }
  });

  it('two node.exe servers on one vault take turns, and racing for one file exactly one wins', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `PN${200 + i}.mcam`);
    const v = await vault([...names, 'RACE.mcam']);
    const [a, b] = await Promise.all([serve(v), serve(v)]);
    for (const [i, n] of names.entries()) expect((await checkout(i % 2 ? b.url : a.url, n, i % 2 ? 'bob' : 'alice')).status).toBe(200);
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all([checkout(a.url, 'RACE.mcam', 'alice'), checkout(b.url, 'RACE.mcam', 'bob')]);
      expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
      const winner = answers[0].status === 200 ? 'alice' : 'bob';
      expect((await checkin(a.url, 'RACE.mcam', winner)).status).toBe(200);
    }
    const locks = JSON.parse(await readFile(v.locksFile, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(locks).sort()).toEqual([...names].sort());
  });

  it('one file, one lock, whatever the case: the vault is found case-insensitive by trying, and the double grant is gone', async () => {
    const v = await vault(['Customer-A/PN1.mcam']);
    const s = await serve(v);
    const first = await checkout(s.url, 'Customer-A/PN1.mcam', 'alice');
    expect(first.status).toBe(200);
    const second = await checkout(s.url, 'customer-a/pn1.MCAM', 'bob');
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: 'ALREADY_LOCKED', lock: { user: 'alice' } });
    expect((await api(s.url, '/api/files/CUSTOMER-A/PN1.MCAM')).body).toMatchObject({ name: 'Customer-A/PN1.mcam', locked_by: 'alice' });
    expect(Object.keys(JSON.parse(await readFile(v.locksFile, 'utf8')) as object)).toEqual(['Customer-A/PN1.mcam']);
  });

  it('reads a locks.json saved by Notepad (BOM, CRLF) and writes it back as plain UTF-8', async () => {
    const v = await vault(['PN1.mcam', 'PN2.mcam']);
    const lock = { 'PN1.mcam': { user: 'carol', timestamp: '2026-12-01T08:00:00.000Z', message: 'by hand' } };
    await mkdir(v.dataDir, { recursive: true });
    await writeFile(v.locksFile, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(lock, null, 2).replaceAll('\n', '\r\n'))]));
    const s = await serve(v);
    expect((await api(s.url, '/api/health')).body).toMatchObject({ status: 'ok', locks: 'ok' });
    expect((await api(s.url, '/api/locks')).body.locks['PN1.mcam']).toMatchObject({ user: 'carol' });
    expect((await checkout(s.url, 'PN1.mcam', 'alice')).status).toBe(409);
    expect((await checkout(s.url, 'PN2.mcam', 'alice')).status).toBe(200);
    const bytes = await readFile(v.locksFile);
    expect(bytes[0]).toBe(0x7b); // '{': no byte-order mark
    expect(JSON.parse(bytes.toString('utf8'))).toMatchObject({ 'PN1.mcam': { user: 'carol' }, 'PN2.mcam': { user: 'alice' } });
  });

  it('takes an upload of a few MB and restores an older version', async () => {
    const v = await vault(['PN3.mcam']);
    const original = await readFile(join(v.root, 'PN3.mcam'));
    const s = await serve(v);
    expect((await checkout(s.url, 'PN3.mcam', 'alice')).status).toBe(200);
    const bytes = randomBytes(3 * 1024 * 1024);
    const up = await fetch(`${s.url}/api/files/PN3.mcam/content?user=alice`, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream', 'x-pdm-user': 'alice' } });
    expect(up.status).toBe(200);
    expect((await readFile(join(v.root, 'PN3.mcam'))).equals(bytes)).toBe(true);
    const versions = (await api(s.url, '/api/files/PN3.mcam/versions')).body.versions as Array<{ number: number; size_bytes: number }>;
    const first = versions.at(-1)!;
    expect(first.size_bytes).toBe(original.length);
    const restored = await api(s.url, `/api/files/PN3.mcam/versions/${first.number}/restore`, { method: 'POST', json: { user: 'alice' } });
    expect(restored.status).toBe(200);
    expect((await readFile(join(v.root, 'PN3.mcam'))).equals(original)).toBe(true);
  });

  it('retries a replace while another Windows process has the file open; 423 FILE_BUSY when it stays open', async () => {
    const v = await vault(['PN4.mcam']);
    const holder = join(v.outside, 'hold.cjs');
    await writeFile(holder, "const fs = require('fs'); const fd = fs.openSync(process.argv[2], 'r'); console.log('holding'); setTimeout(() => fs.closeSync(fd), Number(process.argv[3]));\n");
    const s = await serve(v);
    expect((await checkout(s.url, 'PN4.mcam', 'alice')).status).toBe(200);
    const target = join(v.root, 'PN4.mcam');
    const hold = async (ms: number) => {
      const h = wine.script(holder, [winPath(target), String(ms)]);
      await eventually(() => h.stdout().includes('holding'), 60_000, 'the holder to open the file');
      return h;
    };
    const put = (body: string) => fetch(`${s.url}/api/files/PN4.mcam/content`, { method: 'PUT', body, headers: { 'content-type': 'application/octet-stream', 'x-pdm-user': 'alice' } });

    const brief = await hold(1500);
    const ok = await put('saved while it was open for a moment');
    expect(ok.status).toBe(200);
    expect(await readFile(target, 'utf8')).toBe('saved while it was open for a moment');
    await brief.exited;

    const long = await hold(30_000);
    const busy = await put('never written');
    expect(busy.status).toBe(423);
    expect(await busy.json()).toMatchObject({ code: 'FILE_BUSY', detail: 'PN4.mcam is open in another program; close it and try again.' });
    expect(await readFile(target, 'utf8')).toBe('saved while it was open for a moment');
    long.proc.kill('SIGKILL');
  });

  it('user add writes the users file, which signs in, and reads one saved with a BOM', async () => {
    const v = await vault(['PN5.mcam']);
    const users = join(v.keysDir, 'users.json');
    const pw = join(v.outside, 'pw.txt');
    await writeFile(pw, 'correct-horse-battery\n');
    await mkdir(v.keysDir, { recursive: true });
    const added = await wine.run(['user', 'add', 'alice', '--users', winPath(users)], { stdinFile: pw });
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    await writeFile(users, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), await readFile(users)]));
    const listed = await wine.run(['user', 'list', '--users', winPath(users)]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('alice');
    const s = await serve(v, ['--users', winPath(users)]);
    const signIn = await api(s.url, '/api/session', { json: { user: 'alice', password: 'correct-horse-battery' } });
    expect(signIn.status).toBe(200);
  });

  it('--protect: "protected" is true exactly when the file is read-only on disk', async () => {
    const v = await vault(['PN6.mcam', 'PN7.mcam']);
    const s = await serve(v, ['--protect']);
    const readOnly = async (n: string) => ((await stat(join(v.root, n))).mode & 0o222) === 0;
    await eventually(async () => (await api(s.url, '/api/files/PN6.mcam')).body.protected === true, 30_000, 'PN6 protected');
    expect(await readOnly('PN6.mcam')).toBe(true);
    expect((await checkout(s.url, 'PN7.mcam', 'alice')).status).toBe(200);
    await eventually(async () => !(await readOnly('PN7.mcam')), 30_000, 'PN7 writable once checked out');
    expect((await api(s.url, '/api/files/PN7.mcam')).body.protected).toBe(false);
    expect((await checkin(s.url, 'PN7.mcam', 'alice')).status).toBe(200);
    await eventually(async () => (await api(s.url, '/api/files/PN7.mcam')).body.protected === true, 30_000, 'PN7 protected again');
    expect(await readOnly('PN7.mcam')).toBe(true);
    expect((await api(s.url, '/api/health')).body.status).toBe('ok');
  });
});
