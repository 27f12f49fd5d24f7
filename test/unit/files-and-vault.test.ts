import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RevisionedEvent } from '../../shared/protocol.js';
import { FileBoard } from '../../server/files/file-board.js';
import { FileCommands, type Caller } from '../../server/files/file-commands.js';
import { LockStore } from '../../server/locks/lock-store.js';
import { VaultIndex } from '../../server/vault/vault-index.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';

const alice: Caller = { user: 'alice', admin: false };
const bob: Caller = { user: 'bob', admin: false };
const boss: Caller = { user: 'boss', admin: true };

describe('VaultIndex', () => {
  let vault: TempVault;
  beforeEach(async () => {
    vault = await makeVault(['b.mcam', 'a.vnc', 'sub/c.mcam', 'notes.txt']);
  });
  afterEach(async () => vault.cleanup());
  const index = () => new VaultIndex({ root: vault.root, dataDir: vault.dataDir, extensions: ['.mcam', '.vnc'] });

  it('scans tracked files in code-point order, skipping other extensions, the data folder and links', async () => {
    await mkdir(vault.dataDir, { recursive: true });
    await writeFile(join(vault.dataDir, 'x.mcam'), 'data');
    await writeFile(join(vault.outside, 'far.mcam'), 'outside');
    await symlink(join(vault.outside, 'far.mcam'), join(vault.root, 'link.mcam'));
    const i = index();
    const changes = await i.scan();
    expect(changes.map((c) => c.kind)).toEqual(['added', 'added', 'added']);
    expect(i.names()).toEqual(['a.vnc', 'b.mcam', 'sub/c.mcam']);
    expect(i.get('b.mcam')?.size).toBe('content of b.mcam\n'.length);
  });

  it('update reports added, changed, removed, and nothing for an unchanged or untracked path', async () => {
    const i = index();
    await i.scan();
    expect(await i.update(join(vault.root, 'b.mcam'))).toBeNull();
    await writeFile(join(vault.root, 'b.mcam'), 'longer content now');
    expect((await i.update(join(vault.root, 'b.mcam')))?.kind).toBe('changed');
    await writeFile(join(vault.root, 'new.mcam'), 'n');
    expect((await i.update(join(vault.root, 'new.mcam')))?.kind).toBe('added');
    expect(i.names()).toContain('new.mcam');
    await rm(join(vault.root, 'a.vnc'));
    expect(await i.update(join(vault.root, 'a.vnc'))).toEqual({ kind: 'removed', name: 'a.vnc' });
    expect(await i.update(join(vault.root, 'notes.txt'))).toBeNull();
    expect(i.namesUnder(join(vault.root, 'sub'))).toEqual(['sub/c.mcam']);
    const again = await i.scan();
    expect(again).toEqual([]);
  });
});

describe('FileBoard and FileCommands', () => {
  let vault: TempVault;
  let store: LockStore;
  let index: VaultIndex;
  let board: FileBoard;
  let commands: FileCommands;
  let events: RevisionedEvent[];
  beforeEach(async () => {
    vault = await makeVault(['PN1.mcam', 'PN2.mcam']);
    const layout = { root: vault.root, dataDir: vault.dataDir, extensions: ['.mcam', '.vnc'] };
    store = new LockStore({ file: vault.locksFile });
    await store.open();
    index = new VaultIndex(layout);
    await index.scan();
    board = new FileBoard(index, store, (n) => n === 'PN2.mcam');
    events = [];
    board.sendTo({ events: (e) => events.push(...e), health: () => undefined });
    store.subscribe({ changes: (c, source) => board.lockChanges(c, source), health: () => undefined });
    commands = new FileCommands(layout, store, board);
  });
  afterEach(async () => {
    await store.close();
    await vault.cleanup();
  });

  it('the board merges locks into files, numbers every event by revision and serves a cached JSON list', async () => {
    expect(board.files().map((f) => [f.name, f.status, f.warning])).toEqual([
      ['PN1.mcam', 'available', null],
      ['PN2.mcam', 'available', 'edited_unlocked'],
    ]);
    const json = board.filesJson();
    expect(board.filesJson()).toBe(json);
    const file = await commands.checkout(alice, { filename: 'PN1.mcam', message: 'fixture' });
    expect(file).toMatchObject({ name: 'PN1.mcam', status: 'checked_out', locked_by: 'alice', lock: { message: 'fixture' } });
    expect(events).toEqual([{ event: 'lock:acquired', data: expect.objectContaining({ revision: 1, filename: 'PN1.mcam', source: 'api' }) }]);
    expect(board.getRevision()).toBe(1);
    expect(JSON.parse(board.filesJson()).files[0].locked_by).toBe('alice');
    await commands.checkin(alice, { filename: 'PN1.mcam' });
    expect(events[1]).toEqual({ event: 'lock:released', data: expect.objectContaining({ revision: 2, by: 'alice', forced: false }) });
    board.onVaultChanges([{ kind: 'removed', name: 'PN2.mcam' }]);
    expect(events[2]).toEqual({ event: 'file:removed', data: { revision: 3, filename: 'PN2.mcam' } });
    expect(board.snapshot()).toMatchObject({ revision: 3, locks: {}, health: { status: 'ok' } });
  });

  it('commands refuse what the rules refuse and change nothing', async () => {
    await commands.checkout(alice, { filename: 'PN1.mcam' });
    await expect(commands.checkout(bob, { filename: 'PN1.mcam' })).rejects.toMatchObject({ code: 'ALREADY_LOCKED', extra: { lock: { user: 'alice' } } });
    await expect(commands.checkin(bob, { filename: 'PN1.mcam' })).rejects.toMatchObject({ code: 'NOT_LOCK_OWNER' });
    await expect(commands.checkin(bob, { filename: 'PN1.mcam', force: true })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(commands.checkin(alice, { filename: 'PN2.mcam' })).rejects.toMatchObject({ code: 'NOT_LOCKED' });
    await expect(commands.checkout(alice, { filename: 'missing.mcam' })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await expect(commands.checkout(alice, { filename: '../escape.mcam' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    expect(() => commands.get('missing.mcam')).toThrow(/No tracked file named missing.mcam/);
    expect(store.snapshot()).toEqual({ 'PN1.mcam': expect.objectContaining({ user: 'alice' }) });
    expect(events).toHaveLength(1);
    const forced = await commands.checkin(boss, { filename: 'PN1.mcam', force: true });
    expect(forced.status).toBe('available');
    expect(events[1]).toEqual({ event: 'lock:released', data: expect.objectContaining({ by: 'boss', forced: true }) });
  });

  it('a release with an expectation (Git LFS unlock by id) refuses a lock replaced meanwhile', async () => {
    await commands.checkout(alice, { filename: 'PN1.mcam' });
    await expect(commands.checkin(alice, { filename: 'PN1.mcam' }, () => false)).rejects.toMatchObject({ code: 'NOT_LOCKED' });
    await commands.checkin(alice, { filename: 'PN1.mcam' }, (held) => held.user === 'alice');
    expect(store.get('PN1.mcam')).toBeNull();
  });
});
