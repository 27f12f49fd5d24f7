import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSigningKey, MIN_KEY_BYTES } from '../../server/auth/signing-key.js';
import { SessionTokens } from '../../server/auth/session-tokens.js';
import { LockStore } from '../../server/locks/lock-store.js';
import { platform, writeFileAtomicSync } from '../../server/storage/durable-files.js';
import { isBusy } from '../../server/storage/file-lock.js';
import { decodeText } from '../../server/storage/text-files.js';
import { ldapOptions } from '../../server/cli/ldap-settings.js';
import { readConfigFile } from '../../server/cli/settings.js';
import { FolderWatcher } from '../../server/vault/folder-watcher.js';
import { api, eventually, startServer, type TestServer } from '../support/server.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';

// Windows' refusals played on Linux, in the one module through which durable writes go (the
// Windows stage under Wine shows the real ones: test/windows/windows-stage.test.ts).
const real = { ...platform };
const errno = (code: string) => Object.assign(new Error(`${code}: operation not permitted`), { code });
const lock = (user: string) => ({ user, timestamp: '2026-12-01T08:00:00.000Z', message: '' });
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

describe('storage on Windows rules (injected)', () => {
  let vault: TempVault;
  beforeEach(async () => {
    vault = await makeVault(['PN1.mcam', 'sub/deeper/PN2.mcam']);
    await mkdir(vault.dataDir, { recursive: true });
  });
  afterEach(async () => {
    Object.assign(platform, real);
    await vault.cleanup();
  });

  it('reads hand-edited text with a UTF-8 BOM, as UTF-16 LE/BE with theirs, and with CRLF', () => {
    const json = '{\r\n  "a": "Pièce"\r\n}\r\n';
    expect(JSON.parse(decodeText(Buffer.concat([BOM, Buffer.from(json)])))).toEqual({ a: 'Pièce' });
    expect(JSON.parse(decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')])))).toEqual({ a: 'Pièce' });
    const be = Buffer.from(json, 'utf16le').swap16();
    expect(JSON.parse(decodeText(Buffer.concat([Buffer.from([0xfe, 0xff]), be])))).toEqual({ a: 'Pièce' });
    expect(decodeText(Buffer.from('plain'))).toBe('plain');
  });

  it('the config file and the LDAP service password file saved by Notepad (BOM, CRLF) or as UTF-16 are read; the BOM is no part of the password', async () => {
    const config = join(vault.outside, 'config.json');
    await writeFile(config, Buffer.concat([BOM, Buffer.from('{\r\n  "port": 8123,\r\n  "poll": 2000\r\n}\r\n')]));
    expect(readConfigFile(config)).toMatchObject({ port: 8123, poll: 2000 });
    const password = join(vault.outside, 'ldap.pw');
    for (const bytes of [Buffer.concat([BOM, Buffer.from('s3cret-service\r\n')]), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('s3cret-service\r\n', 'utf16le')])]) {
      await writeFile(password, bytes);
      const o = ldapOptions({ 'ldap-url': 'ldap://127.0.0.1:389', 'ldap-bind-dn': 'cn=svc,dc=shop', 'ldap-bind-password-file': password, 'ldap-base': 'dc=shop', 'ldap-filter': '(uid={user})' });
      expect(o?.bindPassword).toBe('s3cret-service');
    }
  });

  it('a locks.json saved by Notepad (BOM, CRLF) or as UTF-16 is read, and the next write has no BOM', async () => {
    for (const encode of [(t: string) => Buffer.concat([BOM, Buffer.from(t)]), (t: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')])]) {
      await writeFile(vault.locksFile, encode(JSON.stringify({ 'PN1.mcam': lock('carol') }, null, 2).replaceAll('\n', '\r\n')));
      const store = new LockStore({ file: vault.locksFile });
      await store.open();
      try {
        expect(store.getHealth().ok).toBe(true);
        expect(store.get('PN1.mcam')?.user).toBe('carol');
        await store.mutate((d) => d.set('sub/deeper/PN2.mcam', lock('alice'), { by: 'alice' }));
        const bytes = await readFile(vault.locksFile);
        expect(bytes[0]).toBe(0x7b);
        expect(Object.keys(JSON.parse(bytes.toString('utf8')) as object).sort()).toEqual(['PN1.mcam', 'sub/deeper/PN2.mcam']);
      } finally {
        await store.close();
      }
    }
  });

  it('a folder that cannot be flushed (EPERM, as on Windows) is never an error; on Windows it is not even tried', async () => {
    let flushes = 0;
    platform.flushFolderSync = () => {
      flushes++;
      throw errno('EPERM');
    };
    const store = new LockStore({ file: vault.locksFile });
    await store.open();
    try {
      await store.mutate((d) => d.set('PN1.mcam', lock('alice'), { by: 'alice' }));
      expect(flushes).toBe(1);
      expect(store.getHealth().ok).toBe(true);
      platform.windows = true;
      await store.mutate((d) => d.set('sub/deeper/PN2.mcam', lock('alice'), { by: 'alice' }));
      expect(flushes).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('a rename refused while another program has the target open is retried until it goes through', () => {
    let refusals = 3;
    const tries: string[] = [];
    platform.renameSync = (from, to) => {
      tries.push(to);
      if (refusals-- > 0) throw errno(['EPERM', 'EACCES', 'EBUSY'][refusals % 3]!);
      real.renameSync(from, to);
    };
    const file = join(vault.root, 'PN1.mcam');
    writeFileAtomicSync(file, [Buffer.from('new content')]);
    expect(tries).toHaveLength(4);
    return expect(readFile(file, 'utf8')).resolves.toBe('new content');
  });

  it('a rename still refused after the retry time fails as busy: locks.json unchanged, 503 and nothing granted', async () => {
    platform.renameRetryMs = 150;
    await writeFile(vault.locksFile, '{}\n');
    const store = new LockStore({ file: vault.locksFile });
    await store.open();
    try {
      platform.renameSync = () => {
        throw errno('EPERM');
      };
      await expect(store.mutate((d) => d.set('PN1.mcam', lock('alice'), { by: 'alice' }))).rejects.toMatchObject({ code: 'LOCKS_UNAVAILABLE' });
      expect(await readFile(vault.locksFile, 'utf8')).toBe('{}\n');
      platform.renameSync = real.renameSync;
      await eventually(async () => {
        await store.mutate((d) => d.set('PN1.mcam', lock('alice'), { by: 'alice' }));
        return true;
      }, 10_000, 'the write once the file is free');
    } finally {
      await store.close();
    }
  });

  it('a lock folder still being deleted (mkdir EPERM) is busy on Windows, a failure elsewhere', () => {
    expect(isBusy(errno('ELOCKED'))).toBe(true);
    expect(isBusy(errno('EPERM'))).toBe(false);
    platform.windows = true;
    expect(isBusy(errno('EPERM'))).toBe(true);
    expect(isBusy(errno('EACCES'))).toBe(false);
  });

  it('the session key: an empty or short one is replaced, never used; one left in the data folder moves to --keys', async () => {
    await mkdir(vault.keysDir, { recursive: true });
    await writeFile(join(vault.keysDir, 'session.key'), '');
    const key = await loadSigningKey(vault.keysDir, vault.dataDir);
    expect(key.length).toBeGreaterThanOrEqual(MIN_KEY_BYTES);
    expect((await readFile(join(vault.keysDir, 'session.key'), 'utf8')).trim()).toBe(key.toString('base64url'));

    const other = join(vault.outside, 'keys');
    const legacy = Buffer.alloc(32, 7).toString('base64url');
    await writeFile(join(vault.dataDir, 'session.key'), legacy);
    expect((await loadSigningKey(other, vault.dataDir)).toString('base64url')).toBe(legacy);
    await expect(stat(join(vault.dataDir, 'session.key'))).rejects.toMatchObject({ code: 'ENOENT' });

    // A token signed with an empty key (what a 0-byte session.key used to mean) is refused.
    const { createHmac } = await import('node:crypto');
    const body = Buffer.from(JSON.stringify({ sid: 'x', user: 'boss', role: 'admin', exp: Date.now() + 60_000 })).toString('base64url');
    const forged = `${body}.${createHmac('sha256', Buffer.alloc(0)).update(body).digest('base64url')}`;
    await writeFile(join(vault.keysDir, 'session.key'), '');
    expect(await new SessionTokens(vault.dataDir, vault.keysDir).verify(forged)).toBeNull();
  });

  it('the recursive watch (Windows) holds one folder open, sees files deep down and in a renamed folder', async () => {
    const seen: string[] = [];
    const w = new FolderWatcher(vault.root, (p) => p.startsWith(vault.dataDir), { path: (abs) => seen.push(abs), overflow: () => undefined, limit: () => undefined }, true);
    await w.start();
    try {
      expect(w.watchedFolders()).toEqual([vault.root]);
      await writeFile(join(vault.root, 'sub', 'deeper', 'PN2.mcam'), 'saved');
      await eventually(() => seen.includes(join(vault.root, 'sub', 'deeper', 'PN2.mcam')), 5000, 'the deep save');
      await rename(join(vault.root, 'sub'), join(vault.root, 'moved'));
      await writeFile(join(vault.root, 'moved', 'deeper', 'PN2.mcam'), 'saved again');
      await eventually(() => seen.includes(join(vault.root, 'moved', 'deeper', 'PN2.mcam')), 5000, 'the save in the renamed folder');
      expect(w.watchedFolders()).toEqual([vault.root]);
    } finally {
      w.close();
    }
  });
});

describe('a vault file held open elsewhere (injected EPERM on its replace)', () => {
  let vault: TempVault;
  let server: TestServer;
  beforeEach(async () => {
    vault = await makeVault(['PN1.mcam']);
    server = await startServer(vault);
  });
  afterEach(async () => {
    Object.assign(platform, real);
    await server.close();
    await vault.cleanup();
  });

  it('an upload answers 423 FILE_BUSY and changes nothing; once closed it goes through', async () => {
    const target = join(vault.root, 'PN1.mcam');
    expect((await api(server.url, '/api/files/checkout', { json: { filename: 'PN1.mcam', user: 'alice' } })).status).toBe(200);
    platform.renameRetryMs = 200;
    platform.rename = (from, to) => (to === target ? Promise.reject(errno('EPERM')) : real.rename(from, to));
    const put = (body: string) => api(server.url, '/api/files/PN1.mcam/content', { method: 'PUT', body, headers: { 'x-pdm-user': 'alice', 'content-type': 'application/octet-stream' } });
    const busy = await put('new bytes');
    expect(busy.status).toBe(423);
    expect(busy.body).toEqual({ code: 'FILE_BUSY', detail: 'PN1.mcam is open in another program; close it and try again.' });
    expect(await readFile(target, 'utf8')).toBe('content of PN1.mcam\n');
    platform.rename = real.rename;
    expect((await put('new bytes')).status).toBe(200);
    expect(await readFile(target, 'utf8')).toBe('new bytes');
  });
});
