import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LockChange } from '../../server/locks/lock-diff.js';
import { LockStore } from '../../server/locks/lock-store.js';
import { eventually } from '../support/server.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';

const fault = { failNextFolderSync: false };
vi.mock('../../server/storage/durable-files.js', async (importOriginal) => {
  const mod = await importOriginal<typeof import('../../server/storage/durable-files.js')>();
  return {
    ...mod,
    fsyncDirectorySync: (dir: string) => {
      if (fault.failNextFolderSync) {
        fault.failNextFolderSync = false;
        throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
      }
      mod.fsyncDirectorySync(dir);
    },
  };
});

describe('LockStore, when the folder sync after the rename fails', () => {
  let vault: TempVault;
  let store: LockStore;
  beforeEach(async () => {
    vault = await makeVault([]);
    store = new LockStore({ file: vault.locksFile });
    await store.open();
  });
  afterEach(async () => {
    await store.close();
    await vault.cleanup();
  });

  it('says the change is visible but unconfirmed (not "nothing was changed"), and memory follows the disk', async () => {
    const seen: string[] = [];
    store.subscribe({ changes: (changes: LockChange[], source) => seen.push(...changes.map((c) => `${source} ${c.filename}`)), health: () => undefined });
    fault.failNextFolderSync = true;
    const err = await store.mutate((d) => d.set('a.mcam', { user: 'alice', timestamp: '2026-11-22T10:00:00.000Z', message: '' }, { by: 'alice' })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LOCKS_UNAVAILABLE' });
    expect((err as Error).message).toContain('visible but may not survive a power cut');
    expect((err as Error).message).not.toContain('nothing was changed');
    expect(JSON.parse(await readFile(vault.locksFile, 'utf8'))['a.mcam'].user).toBe('alice');
    await eventually(() => store.get('a.mcam')?.user === 'alice' || null, 2000, 'memory to follow the disk');
    expect(seen).toEqual(['disk a.mcam']);
  });
});
