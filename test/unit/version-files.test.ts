import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { historyFolder, VersionFiles } from '../../server/versions/version-files.js';

describe('VersionFiles (the version thread’s file work)', () => {
  let base: string;
  let root: string;
  let files: VersionFiles;
  beforeEach(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'pdm-vf-')));
    root = join(base, 'vault');
    await mkdir(join(root, 'a'), { recursive: true });
    await mkdir(join(base, 'outside'));
    await writeFile(join(base, 'outside', 'secret.mcam'), 'secret');
    files = new VersionFiles(join(root, '.pdm', 'versions'), 3, { root, dataDir: join(root, '.pdm') });
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('a FIFO swapped in for a file is refused at once (opened without waiting for a writer), not read', () => {
    const fifo = join(root, 'a', 'fifo.mcam');
    execFileSync('mkfifo', [fifo]);
    expect(() => files.record('a/fifo.mcam', fifo, { user: null })).toThrow(/not a regular file/);
  });

  it('a file over the 1 MiB buffer is copied and hashed in one pass: the blob is the bytes its name says', async () => {
    const f = join(root, 'a', 'big.mcam');
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    await writeFile(f, bytes);
    const v = files.record('a/big.mcam', f, { user: 'u' })!;
    expect(v.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    const blob = await readFile(join(historyFolder(join(root, '.pdm', 'versions'), 'a/big.mcam'), v.sha256));
    expect(blob.equals(bytes)).toBe(true);
  });

  it('keeps a new content once, numbers versions, and drops the oldest past the limit', async () => {
    const f = join(root, 'a', 'x.mcam');
    for (const [i, content] of ['1', '2', '2', '3', '4'].entries()) {
      await writeFile(f, content);
      const v = files.record('a/x.mcam', f, { user: 'u', durable: i % 2 === 0 });
      if (i === 2) expect(v).toBeNull();
      else expect(v?.size_bytes).toBe(1);
    }
    await writeFile(f, 'five');
    expect(files.record('a/x.mcam', f, { user: 'u' })?.number).toBe(5);
    const { readFile, readdir } = await import('node:fs/promises');
    const { historyFolder } = await import('../../server/versions/version-files.js');
    const folder = historyFolder(join(root, '.pdm', 'versions'), 'a/x.mcam');
    const h = JSON.parse(await readFile(join(folder, 'versions.json'), 'utf8'));
    expect(h.versions.map((v: { number: number }) => v.number)).toEqual([3, 4, 5]);
    expect((await readdir(folder)).filter((n) => n !== 'versions.json')).toHaveLength(3);
  });

  it('refuses a source reached through a linked folder, a linked file, or outside the vault', async () => {
    await symlink(join(base, 'outside'), join(root, 'linked'));
    expect(() => files.record('linked/secret.mcam', join(root, 'linked', 'secret.mcam'), { user: null })).toThrow(expect.objectContaining({ code: 'EPDM_NOT_TRACKED' }));
    await symlink(join(base, 'outside', 'secret.mcam'), join(root, 'a', 'link.mcam'));
    expect(() => files.record('a/link.mcam', join(root, 'a', 'link.mcam'), { user: null })).toThrow(expect.objectContaining({ code: 'ELOOP' }));
    expect(() => files.record('secret.mcam', join(base, 'outside', 'secret.mcam'), { user: null })).toThrow(expect.objectContaining({ code: 'EPDM_NOT_TRACKED' }));
  });

  it('a first history created by another server meanwhile is not overwritten: the record is added to it', async () => {
    const { readFile, readdir } = await import('node:fs/promises');
    const { historyFolder } = await import('../../server/versions/version-files.js');
    const f = join(root, 'a', 'y.mcam');
    await writeFile(f, 'first');
    const other = new VersionFiles(join(root, '.pdm', 'versions'), 3, { root, dataDir: join(root, '.pdm') });
    expect(other.record('a/y.mcam', f, { user: 'other' })?.number).toBe(1);
    // This server read "no history" just before the other one created it.
    const read = (files as unknown as { read: (n: string) => unknown }).read.bind(files);
    const spy = vi.spyOn(files as unknown as { read: (n: string) => unknown }, 'read').mockImplementationOnce((n: string) => ({ history: { name: n, next: 1, versions: [] }, exists: false })).mockImplementation(read);
    await writeFile(f, 'second');
    expect(files.record('a/y.mcam', f, { user: 'me' })?.number).toBe(2);
    spy.mockRestore();
    const folder = historyFolder(join(root, '.pdm', 'versions'), 'a/y.mcam');
    const h = JSON.parse(await readFile(join(folder, 'versions.json'), 'utf8'));
    expect(h.versions.map((v: { number: number; user: string }) => `${v.number} ${v.user}`)).toEqual(['1 other', '2 me']);
    expect((await readdir(folder)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    // Each blob holds the bytes it is named after.
    const { createHash } = await import('node:crypto');
    for (const v of h.versions as Array<{ sha256: string }>) {
      expect(createHash('sha256').update(await readFile(join(folder, v.sha256))).digest('hex')).toBe(v.sha256);
    }
  });

  it('hashes and keeps a file larger than its read buffer', async () => {
    const f = join(root, 'a', 'big.mcam');
    const big = Buffer.alloc(3 * (1 << 20) + 17, 7);
    await writeFile(f, big);
    const v = files.record('a/big.mcam', f, { user: null });
    const { createHash } = await import('node:crypto');
    expect(v?.sha256).toBe(createHash('sha256').update(big).digest('hex'));
    expect(v?.size_bytes).toBe(big.length);
  });

  it('a blob cut short (a server killed while writing it) is written again by the next record of that content', async () => {
    const { readFile, truncate, rm: remove } = await import('node:fs/promises');
    const { historyFolder } = await import('../../server/versions/version-files.js');
    const f = join(root, 'a', 'z.mcam');
    await writeFile(f, 'the content');
    const v = files.record('a/z.mcam', f, { user: null, durable: false })!;
    const folder = historyFolder(join(root, '.pdm', 'versions'), 'a/z.mcam');
    await truncate(join(folder, v.sha256), 3);
    await remove(join(folder, 'versions.json'));
    const again = new VersionFiles(join(root, '.pdm', 'versions'), 3, { root, dataDir: join(root, '.pdm') });
    expect(again.record('a/z.mcam', f, { user: null })?.sha256).toBe(v.sha256);
    expect(await readFile(join(folder, v.sha256), 'utf8')).toBe('the content');
  });
});
