import { execFile } from 'node:child_process';
import { chmod, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect } from '../support/sockets.js';
import { run, spawnServer, type ServerProcess } from '../support/processes.js';
import { api, eventually, startServer, type TestServer } from '../support/server.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';

const exec = promisify(execFile);
const writeBits = async (abs: string) => (await stat(abs)).mode & 0o222;
const mode = async (abs: string) => (await stat(abs)).mode & 0o777;

/** Appends as the unprivileged user `nobody` (root is not stopped by modes): true when allowed. */
async function nobodyCanWrite(abs: string): Promise<boolean> {
  try {
    await exec('runuser', ['-u', 'nobody', '--', 'sh', '-c', `echo more >> '${abs}'`], { timeout: 5000 });
    return true;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') throw new Error('runuser is missing: apt-get install -y util-linux', { cause: err });
    return false;
  }
}

describe('--protect: read-only on the share unless checked out', () => {
  let vault: TempVault;
  let server: TestServer | null = null;
  let procs: ServerProcess[] = [];
  let pn1001: string;
  beforeEach(async () => {
    vault = await makeVault();
    // nobody must reach the files: the temp folders are 0700.
    await chmod(dirname(vault.root), 0o755);
    await chmod(vault.root, 0o755);
    pn1001 = join(vault.root, 'PN1001.mcam');
    for (const f of ['PN1001.mcam', 'PN1002.mcam', 'PN1003.vnc']) await chmod(join(vault.root, f), 0o666);
  });
  afterEach(async () => {
    await server?.close();
    server = null;
    for (const p of procs) await p.stop();
    procs = [];
    await exec('chattr', ['-i', join(vault.root, 'PN1003.vnc')]).catch(() => undefined);
    await vault.cleanup();
  });

  it('an available file refuses a write; a check-out allows it with the bits it had; nothing else about the file changes', async () => {
    const before = await stat(pn1001);
    const other = join(vault.root, 'PN1002.mcam');
    const otherBefore = await stat(other);
    server = await startServer(vault, { protect: true });
    await eventually(async () => (await writeBits(pn1001)) === 0 && (await writeBits(other)) === 0, 2000, 'protected at start');
    // Only the mode changed: the times, owner and inode of a file nobody wrote are as they were.
    const otherAfter = await stat(other);
    expect([otherAfter.ino, otherAfter.uid, otherAfter.gid, otherAfter.mtimeMs, otherAfter.size]).toEqual([otherBefore.ino, otherBefore.uid, otherBefore.gid, otherBefore.mtimeMs, otherBefore.size]);
    expect(otherAfter.mode & 0o777).toBe(0o444);
    expect(await nobodyCanWrite(pn1001)).toBe(false);
    expect((await api(server.url, '/api/files/PN1001.mcam')).body.protected).toBe(true);
    const out = await api(server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice' } });
    expect(out.body.file.protected).toBe(false);
    await eventually(async () => (await mode(pn1001)) === 0o666, 1000, 'writable within 1 s');
    expect(await nobodyCanWrite(pn1001)).toBe(true);
    await api(server.url, '/api/files/checkin', { json: { filename: 'PN1001.mcam', user: 'alice' } });
    await eventually(async () => (await writeBits(pn1001)) === 0, 1000, 'read-only again within 1 s');
    const after = await stat(pn1001);
    expect([after.ino, after.uid, after.gid]).toEqual([before.ino, before.uid, before.gid]);
    expect(await readFile(pn1001, 'utf8')).toBe('content of PN1001.mcam\nmore\n');
    // The recorded bits are in the data folder.
    expect(JSON.parse(await readFile(join(vault.dataDir, 'protected-modes.json'), 'utf8'))['PN1001.mcam']).toBe(0o222);
  });

  it('follows every source of a lock change: socket, Git LFS, a hand edit of locks.json; new files once settled; uploads still work', async () => {
    server = await startServer(vault, { protect: true, settleMs: 50 });
    const abs = (n: string) => join(vault.root, ...n.split('/'));
    await eventually(async () => (await writeBits(pn1001)) === 0, 2000, 'protected at start');
    const bob = await connect(server.url, 'bob');
    expect(await bob.socket.emitWithAck('checkout', { filename: 'PN1002.mcam' })).toMatchObject({ ok: true });
    await eventually(async () => (await writeBits(abs('PN1002.mcam'))) !== 0, 1000, 'socket check-out');
    const lfs = await api(server.url, '/api/lfs/locks', { json: { path: 'PN1003.vnc' }, headers: { 'x-pdm-user': 'carol', 'content-type': 'application/vnd.git-lfs+json' } });
    expect(lfs.status).toBe(201);
    await eventually(async () => (await writeBits(abs('PN1003.vnc'))) !== 0, 1000, 'LFS lock');
    const locks = JSON.parse(await readFile(vault.locksFile, 'utf8'));
    delete locks['PN1002.mcam'];
    locks['customer-a/PN2002.vnc'] = { user: 'dave', timestamp: new Date().toISOString(), message: 'by hand' };
    await writeFile(vault.locksFile, JSON.stringify(locks, null, 2));
    await eventually(async () => (await writeBits(abs('PN1002.mcam'))) === 0 && (await writeBits(abs('customer-a/PN2002.vnc'))) !== 0, 2000, 'hand edit');
    await vault.write('new/PN5000.mcam');
    await eventually(async () => (await writeBits(abs('new/PN5000.mcam'))) === 0, 2000, 'new file protected');
    // A file renamed into the vault by hand (an editor's save-as, a move from elsewhere).
    await writeFile(join(vault.outside, 'moved.mcam'), 'moved in', { mode: 0o664 });
    await rename(join(vault.outside, 'moved.mcam'), abs('new/PN5001.mcam'));
    await eventually(async () => (await writeBits(abs('new/PN5001.mcam'))) === 0, 2000, 'renamed-in file protected');
    // An upload by the holder replaces the file (a new inode) and leaves it writable; check-in protects it.
    const put = await api(server.url, '/api/files/PN1003.vnc/content', { method: 'PUT', headers: { 'x-pdm-user': 'carol' }, body: 'new content' });
    expect(put.status).toBe(200);
    expect(await writeBits(abs('PN1003.vnc'))).not.toBe(0);
    // A restore by the holder, likewise.
    const restore = await api(server.url, '/api/files/PN1003.vnc/versions/1/restore', { method: 'POST', headers: { 'x-pdm-user': 'carol' } });
    expect(restore.status).toBe(200);
    expect(await readFile(abs('PN1003.vnc'), 'utf8')).toBe('content of PN1003.vnc\n');
    expect(await writeBits(abs('PN1003.vnc'))).not.toBe(0);
    await api(server.url, '/api/files/checkin', { json: { filename: 'PN1003.vnc', user: 'carol' } });
    await eventually(async () => (await writeBits(abs('PN1003.vnc'))) === 0, 1000, 'protected after check-in');
    bob.close();
  });

  it('two servers on one vault agree; pdm-live unprotect gives the recorded bits back', async () => {
    const a = await spawnServer(['--repo', vault.root, '--protect']);
    const b = await spawnServer(['--repo', vault.root, '--protect']);
    procs.push(a, b);
    await eventually(async () => (await writeBits(pn1001)) === 0, 3000, 'protected');
    await api(a.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice' } });
    await eventually(async () => (await mode(pn1001)) === 0o666, 2000, 'writable');
    await new Promise((r) => setTimeout(r, 300)); // b has seen it too and left it writable
    expect(await mode(pn1001)).toBe(0o666);
    await api(b.url, '/api/files/checkin', { json: { filename: 'PN1001.mcam', user: 'alice' } });
    await eventually(async () => (await writeBits(pn1001)) === 0, 2000, 'read-only');
    for (const p of procs) expect(await p.stop()).toBe(0);
    procs = [];
    const r = await run(['unprotect', '--repo', vault.root]);
    expect(r.code).toBe(0);
    expect(await mode(pn1001)).toBe(0o666);
    expect(await mode(join(vault.root, 'PN1002.mcam'))).toBe(0o666);
  });

  it('a file whose mode cannot be changed is reported and counted in health; the server goes on', async () => {
    const stuck = join(vault.root, 'PN1003.vnc');
    await exec('chattr', ['+i', stuck]).catch(() => {
      throw new Error('chattr +i is needed for this test (e2fsprogs, an ext4 or similar temp folder)');
    });
    server = await startServer(vault, { protect: true });
    await eventually(async () => (await api(server!.url, '/api/health')).body.detail?.includes('could not be made read-only'), 2000, 'health detail');
    const health = (await api(server.url, '/api/health')).body;
    expect(health).toMatchObject({ status: 'ok', locks: 'ok' });
    expect(health.detail).toMatch(/^1 file\(s\) could not .* PN1003\.vnc: EPERM/);
    expect((await api(server.url, '/api/files/PN1003.vnc')).body.protected).toBe(false);
    expect(await writeBits(pn1001)).toBe(0);
    expect((await api(server.url, '/api/files/checkout', { json: { filename: 'PN1003.vnc', user: 'a' } })).status).toBe(200);
    expect((await api(server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'a' } })).status).toBe(200);
  });

  it('without --protect no mode is ever changed', async () => {
    server = await startServer(vault);
    await api(server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice' } });
    await api(server.url, '/api/files/checkin', { json: { filename: 'PN1001.mcam', user: 'alice' } });
    await new Promise((r) => setTimeout(r, 200));
    expect(await mode(pn1001)).toBe(0o666);
    expect((await api(server.url, '/api/files/PN1001.mcam')).body.protected).toBe(false);
  });
});
