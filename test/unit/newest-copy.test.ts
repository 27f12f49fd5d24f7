import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { LockStore } from '../../server/locks/lock-store.js';
import { NewestCopy } from '../../server/locks/newest-copy.js';
import { eventually } from '../support/server.js';
import { makeVault } from '../support/temp-vault.js';

const sig = (ctimeNs: bigint) => `1:10:${ctimeNs}:${ctimeNs}`;

describe('never an older copy of locks.json than one seen (CONTRACT §20)', () => {
  it('copies are ordered by their change time; an older one is taken only after the patience', () => {
    const copies = new NewestCopy(1000);
    expect(copies.mayTake(sig(100n), 0)).toBe(true);
    copies.saw(300n); // a notice: another node wrote a copy at 300
    expect(copies.mayTake(sig(200n), 10)).toBe(false);
    expect(copies.mayTake(sig(200n), 500)).toBe(false);
    expect(copies.mayTake(sig(300n), 600)).toBe(true);
    expect(copies.mayTake(sig(250n), 700)).toBe(false);
    // The file server's clock stepped back: the older copy stays the only one, and is taken after the patience.
    expect(copies.mayTake(sig(250n), 1700)).toBe(true);
    expect(copies.newestNs).toBe(250n);
  });


  it('the store: after a notice of a newer copy, an older read is not taken (the board does not go back); the newer one is', async () => {
    const vault = await makeVault([]);
    let store = new LockStore({ file: vault.locksFile, journaledFile: `${vault.dataDir}/locks.journaled.json`, staleMs: 60_000 });
    await store.open();
    await writeFile(vault.locksFile, JSON.stringify({ 'a.mcam': { user: 'alice', timestamp: '2026-12-07T10:00:00.000Z', message: '' } }));
    await store.refresh();
    expect(store.snapshot()['a.mcam']?.user).toBe('alice');
    // Another node says it wrote a copy a minute from now (as a lagging share would leave it unseen here).
    await store.noticed(store.newestCopyNs() + 60_000_000_000n);
    await writeFile(vault.locksFile, JSON.stringify({}));
    await store.refresh();
    expect(store.snapshot()['a.mcam']?.user).toBe('alice');
    await new Promise((r) => setTimeout(r, 300));
    expect(store.snapshot()['a.mcam']?.user).toBe('alice');
    await store.close();
    // A store with a short patience takes the only copy there is after it.
    store = new LockStore({ file: vault.locksFile, journaledFile: `${vault.dataDir}/locks.journaled.json`, staleMs: 500 });
    await store.open();
    await store.noticed(store.newestCopyNs() + 60_000_000_000n);
    await writeFile(vault.locksFile, JSON.stringify({ 'b.mcam': { user: 'bob', timestamp: '2026-12-07T10:00:00.000Z', message: '' } }));
    await store.refresh();
    expect(store.snapshot()['b.mcam']).toBeUndefined();
    await eventually(() => store.snapshot()['b.mcam']?.user === 'bob', 15_000, 'taken after the patience');
    await store.close();
    await vault.cleanup();
  });
});
