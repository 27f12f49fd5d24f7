import { join } from 'node:path';
import type { BackgroundWork } from '../background-work.js';
import type { FileBoard } from '../files/file-board.js';
import type { LockChange } from '../locks/lock-diff.js';
import type { LockStore } from '../locks/lock-store.js';
import type { VaultIndex } from '../vault/vault-index.js';
import type { VaultLayout } from '../vault/vault-paths.js';
import type { EditWarnings } from './edit-warnings.js';
import type { VersionStore } from './version-store.js';

export interface LockFollowerDeps {
  store: LockStore;
  index: VaultIndex;
  layout: VaultLayout;
  versions: VersionStore;
  warnings: EditWarnings;
  board: FileBoard;
  background: BackgroundWork;
}

/** On check-in, from any source, an "edited unlocked" warning ends (told by the publisher). */
export function endWarningsOnCheckin(d: Pick<LockFollowerDeps, 'warnings' | 'board'>): (changes: readonly LockChange[]) => void {
  return (changes) => {
    for (const c of changes) {
      if (c.before && !c.after && d.warnings.has(c.filename)) void d.warnings.delete(c.filename).then(() => d.board.touch(c.filename));
    }
  };
}

/**
 * The content at check-out of a lock added by hand to locks.json, told with the drift the server
 * that journals it finds (a lock made by any server is not drift: that server kept the content
 * before answering). Kept in the background, and only when the file was not written since the
 * lock's time: a save of the holder's, or a restore (which keeps the old times), is not the
 * content the check-out started from.
 */
export function keepHandEditedCheckouts(d: Pick<LockFollowerDeps, 'index' | 'layout' | 'versions' | 'background'>): (drift: readonly LockChange[]) => void {
  return (drift) => {
    for (const c of drift) {
      if (!c.after || c.before || !d.index.get(c.filename)) continue;
      const abs = join(d.layout.root, ...c.filename.split('/'));
      d.background.track(d.versions.record(c.filename, abs, { user: null, durable: false, unchangedSince: Date.parse(c.after.timestamp) }), 'version bookkeeping');
    }
  };
}
