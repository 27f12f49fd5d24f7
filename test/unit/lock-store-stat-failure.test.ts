import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LockChange } from '../../server/locks/lock-diff.js';
import { LockStore } from '../../server/locks/lock-store.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';

// Fails the stat of locks.json once it holds `failOnceContaining`: that is, the stat right after
// the store's own durable write.
const fault = { failOnceContaining: null as string | null };
function textOf(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
vi.mock('../../server/locks/locks-file.js', async (importOriginal) => {
  const mod = await importOriginal<typeof import('../../server/locks/locks-file.js')>();
  return {
    ...mod,
    signatureOfSync: (file: string) => {
      const marker = fault.failOnceContaining;
      if (marker && file.endsWith('locks.json') && textOf(file).includes(marker)) {
        fault.failOnceContaining = null;
        throw Object.assign(new Error('EIO: i/o error, stat'), { code: 'EIO' });
      }
      return mod.signatureOfSync(file);
    },
  };
});

describe('LockStore, when the stat after a durable write fails', () => {
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

  it('still answers the batch as done, and reads locks.json again without reporting it twice', async () => {
    const seen: Array<{ changes: LockChange[]; source: string }> = [];
    store.subscribe({ changes: (changes, source) => seen.push({ changes, source }), health: () => undefined });
    fault.failOnceContaining = 'a.mcam';
    await expect(store.mutate((d) => d.set('a.mcam', { user: 'alice', timestamp: '2026-11-22T10:00:00.000Z', message: '' }, { by: 'alice' }))).resolves.toBeUndefined();
    expect(fault.failOnceContaining).toBeNull(); // the fault did fire
    expect(store.get('a.mcam')?.user).toBe('alice');
    expect(store.getHealth().ok).toBe(true);
    const parses = store.stats.parses;
    await store.refresh();
    expect(store.stats.parses).toBe(parses + 1); // signature unknown: read again
    await store.mutate((d) => d.set('b.mcam', { user: 'bob', timestamp: '2026-11-22T10:00:00.000Z', message: '' }, { by: 'bob' }));
    expect(Object.keys(JSON.parse(await readFile(vault.locksFile, 'utf8')))).toEqual(['a.mcam', 'b.mcam']);
    expect(seen.map((s) => [s.source, s.changes.map((c) => c.filename)])).toEqual([
      ['api', ['a.mcam']],
      ['api', ['b.mcam']],
    ]);
  });
});
