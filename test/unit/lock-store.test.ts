import { mkdir, readdir, readFile, rename, rmdir, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockActivities } from '../../server/activity/activity-journal.js';
import { AppError } from '../../server/errors.js';
import type { LockChange } from '../../server/locks/lock-diff.js';
import { LockStore } from '../../server/locks/lock-store.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';

const lock = (user: string, message = '') => ({ user, timestamp: '2026-11-22T10:00:00.000Z', message });

function acquire(name: string, user: string) {
  return (d: import('../../server/locks/lock-store.js').LocksDraft) => {
    const held = d.get(name);
    if (held) throw new AppError('ALREADY_LOCKED', `held by ${held.user}`, { lock: held });
    d.set(name, lock(user), { by: user });
    return name;
  };
}

// The same rules whether the commits' file work runs on this thread or on the commit thread (the server's).
describe.each([
  ['on this thread', false],
  ['on its commit thread', true],
])('LockStore, file work %s', (_where, thread) => {
  let vault: TempVault;
  let store: LockStore;
  beforeEach(async () => {
    vault = await makeVault([]);
    store = new LockStore({ file: vault.locksFile, journaledFile: `${vault.dataDir}/locks.journaled.json`, thread });
    await store.open();
  });
  afterEach(async () => {
    await store.close();
    await vault.cleanup();
  });

  it('when locks.json is missing, there are no locks, and the first write creates it', async () => {
    expect(store.snapshot()).toEqual({});
    await store.mutate(acquire('a.mcam', 'alice'));
    const text = await readFile(vault.locksFile, 'utf8');
    expect(JSON.parse(text)).toEqual({ 'a.mcam': lock('alice') });
    expect(text).toBe(JSON.stringify({ 'a.mcam': lock('alice') }, null, 2) + '\n');
  });

  it('when one mutation of a batch fails, the others still commit, in order', async () => {
    const results = await Promise.allSettled([
      store.mutate(acquire('a.mcam', 'alice')),
      store.mutate(acquire('a.mcam', 'bob')),
      store.mutate(acquire('b.mcam', 'bob')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.code).toBe('ALREADY_LOCKED');
    const onDisk = JSON.parse(await readFile(vault.locksFile, 'utf8'));
    expect(Object.keys(onDisk)).toEqual(['a.mcam', 'b.mcam']);
    expect(onDisk['a.mcam'].user).toBe('alice');
  });

  it('when a mutation throws after changing the draft, its change is rolled back', async () => {
    await expect(
      store.mutate((d) => {
        d.set('x.mcam', lock('eve'), { by: 'eve' });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await store.mutate(acquire('y.mcam', 'bob'));
    expect(Object.keys(JSON.parse(await readFile(vault.locksFile, 'utf8')))).toEqual(['y.mcam']);
  });

  it('keeps extra fields written by hand', async () => {
    await writeFile(vault.locksFile, JSON.stringify({ 'a.mcam': { ...lock('alice'), ticket: 'ECO-42' } }));
    await store.refresh();
    await store.mutate(acquire('b.mcam', 'bob'));
    const onDisk = JSON.parse(await readFile(vault.locksFile, 'utf8'));
    expect(onDisk['a.mcam'].ticket).toBe('ECO-42');
  });

  it('when locks.json does not parse, it is never overwritten, mutations are refused and reads keep the last good state', async () => {
    await store.mutate(acquire('a.mcam', 'alice'));
    await writeFile(vault.locksFile, '{ "broken": ');
    await store.refresh();
    expect(store.getHealth().ok).toBe(false);
    expect(store.getHealth().detail).toMatch(/not valid JSON/);
    await expect(store.mutate(acquire('b.mcam', 'bob'))).rejects.toMatchObject({ code: 'LOCKS_UNAVAILABLE' });
    expect(await readFile(vault.locksFile, 'utf8')).toBe('{ "broken": ');
    expect(Object.keys(store.snapshot())).toEqual(['a.mcam']);
    // Fixed on disk: service resumes by itself.
    await writeFile(vault.locksFile, '{}');
    await store.refresh();
    expect(store.getHealth().ok).toBe(true);
    await store.mutate(acquire('b.mcam', 'bob'));
  });

  it.each([
    ['an array', '[]'],
    ['a record without user', '{"a.mcam": {"message": "x"}}'],
    ['a record that is a string', '{"a.mcam": "alice"}'],
  ])('treats %s as unusable', async (_what, text) => {
    await writeFile(vault.locksFile, text);
    await store.refresh();
    expect(store.getHealth().ok).toBe(false);
    await expect(store.mutate(acquire('b.mcam', 'bob'))).rejects.toMatchObject({ code: 'LOCKS_UNAVAILABLE' });
    expect(await readFile(vault.locksFile, 'utf8')).toBe(text);
  });

  it('skips the parse when the file is unchanged since its own write (stat shortcut)', async () => {
    await store.mutate(acquire('a.mcam', 'alice'));
    const parses = store.stats.parses;
    await store.refresh();
    await store.mutate(acquire('b.mcam', 'bob'));
    await store.refresh();
    expect(store.stats.parses).toBe(parses);
    // Someone else's write (here: a rename-over by hand) changes the stat and is parsed.
    const text = await readFile(vault.locksFile, 'utf8');
    await writeFile(`${vault.locksFile}.new`, text.replace('alice', 'carol'));
    await rename(`${vault.locksFile}.new`, vault.locksFile);
    await store.refresh();
    expect(store.stats.parses).toBe(parses + 1);
    expect(store.get('a.mcam')?.user).toBe('carol');
  });

  it('leaves no temp files behind', async () => {
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.mutate(acquire(`f${i}.mcam`, 'alice'))));
    await store.settled();
    const names = await readdir(vault.dataDir);
    expect(names.filter((n) => n.includes('tmp'))).toEqual([]);
    expect(names).not.toContain('locks.json.lock');
  });

  it('groups concurrent mutations into few commits and reports each change once', async () => {
    const seen: LockChange[] = [];
    store.subscribe({ changes: (c) => seen.push(...c), health: () => undefined });
    const commits = store.stats.commits;
    await Promise.all(Array.from({ length: 100 }, (_, i) => store.mutate(acquire(`f${i}.mcam`, 'alice'))));
    expect(seen).toHaveLength(100);
    expect(store.stats.commits - commits).toBeLessThan(10);
  });

  it('reports a hand edit as disk changes and its own writes not again', async () => {
    const events: Array<[string, string]> = [];
    store.subscribe({ changes: (c, source) => c.forEach((x) => events.push([x.filename, source])), health: () => undefined });
    await store.mutate(acquire('a.mcam', 'alice'));
    await store.refresh();
    await writeFile(vault.locksFile, JSON.stringify({ 'a.mcam': lock('alice'), 'h.mcam': lock('hand') }, null, 2));
    await store.refresh();
    await store.refresh();
    expect(events).toEqual([
      ['a.mcam', 'api'],
      ['h.mcam', 'disk'],
    ]);
  });
});

describe('LockStore batches, in place', () => {
  let vault: TempVault;
  afterEach(async () => {
    await vault.cleanup();
  });

  it('readers see a batch only once it is durable, and memory is unchanged when the write fails', async () => {
    vault = await makeVault([]);
    // On the commit thread, as in the server: this thread goes on while the batch is written.
    const store = new LockStore({ file: vault.locksFile, journaledFile: `${vault.dataDir}/locks.journaled.json`, thread: true });
    await store.open();
    await store.mutate(acquire('keep.mcam', 'alice'));
    await store.mutate((d) => d.delete('keep.mcam', { by: 'alice' }));
    await store.mutate(acquire('keep.mcam', 'alice'));
    // While the batch is being written, memory must still be the last durable state.
    const seenDuringWrite: Array<string | null> = [];
    const pending = store.mutate((d) => {
      d.delete('keep.mcam', { by: 'alice' });
      d.set('new.mcam', lock('bob'), { by: 'bob' });
      setImmediate(() => seenDuringWrite.push(store.get('new.mcam')?.user ?? null, store.get('keep.mcam')?.user ?? null));
    });
    await pending;
    expect(seenDuringWrite).toEqual([null, 'alice']);
    expect(store.get('new.mcam')?.user).toBe('bob');
    expect(store.get('keep.mcam')).toBeNull();
    expect(Object.keys(JSON.parse(await readFile(vault.locksFile, 'utf8')))).toEqual(Object.keys(store.snapshot()));

    // A write that fails (the data folder made read-only... by replacing locks.json with a folder).
    await store.settled();
    await rename(vault.locksFile, `${vault.locksFile}.moved`);
    await mkdir(vault.locksFile);
    await expect(store.mutate(acquire('x.mcam', 'eve'))).rejects.toMatchObject({ code: 'LOCKS_UNAVAILABLE' });
    expect(store.get('x.mcam')).toBeNull();
    expect(store.get('new.mcam')?.user).toBe('bob');
    await store.close();
  });

  it('journals each change once, also across an activity append that failed', async () => {
    vault = await makeVault([]);
    const activityFile = `${vault.dataDir}/activity.jsonl`;
    const store = new LockStore({
      file: vault.locksFile,
      journaledFile: `${vault.dataDir}/locks.journaled.json`,
      activityFile,
      journal: ({ committed, drift }) => Promise.resolve(lockActivities(committed, drift)),
    });
    await store.open();
    await store.mutate(acquire('a.mcam', 'alice'));
    await store.settled();
    // The log cannot be appended to (a folder stands in its place): b is answered all the same,
    // as locks.json is durable, and journaled later as drift.
    await rename(activityFile, `${activityFile}.aside`);
    await mkdir(activityFile);
    await store.mutate(acquire('b.mcam', 'bob'));
    await store.settled();
    await rmdir(activityFile);
    await rename(`${activityFile}.aside`, activityFile);
    await store.mutate(acquire('c.mcam', 'carol'));
    await store.settled();
    // A hand edit is journaled once, as drift.
    await writeFile(vault.locksFile, JSON.stringify({ ...store.snapshot(), 'h.mcam': lock('hand') }, null, 2));
    await store.refresh();
    await store.refresh();
    await store.settled();
    const lines = (await readFile(activityFile, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { source: string; filename: string });
    expect(lines.map((e) => `${e.source} ${e.filename}`)).toEqual(['api a.mcam', 'disk b.mcam', 'api c.mcam', 'disk h.mcam']);
    await store.close();
  });
});

describe('serializeLocks', () => {
  it('writes 2-space pretty JSON with a final newline, keys in the order locks were taken', async () => {
    const { serializeLocks } = await import('../../server/locks/locks-file.js');
    const locks = {
      'b/x.mcam': { user: 'bob', timestamp: 't', message: 'line\nbreak "quoted"', extra: { nested: [1, 2] } },
      'a.mcam': { user: 'al', timestamp: 't', message: '' },
    };
    expect(serializeLocks(locks)).toBe(JSON.stringify(locks, null, 2) + '\n');
    expect(serializeLocks({})).toBe('{}\n');
  });
});
