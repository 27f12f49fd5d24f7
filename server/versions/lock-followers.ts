import { join } from 'node:path';
import type { BackgroundWork } from '../background-work.js';
import type { FileBoard } from '../files/file-board.js';
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

/**
 * What versions do when a lock changes, from any source (page, API, Git LFS, a hand edit): on
 * check-out the content the holder starts from is kept, so a save in place never loses it; on
 * check-in the comment goes on the version made meanwhile and an "edited unlocked" warning ends.
 */
export function followLocksForVersions(d: LockFollowerDeps): void {
  d.store.subscribe({
    changes: (changes) => {
      for (const c of changes) {
        if (c.after && !c.before) {
          // A lock on a file that is not in the vault (a hand edit of locks.json may add one) has no content.
          if (d.index.get(c.filename)) d.background.track(d.versions.record(c.filename, join(d.layout.root, ...c.filename.split('/')), { user: null, durable: false }), 'version bookkeeping');
        } else if (c.before && !c.after) {
          if (c.meta?.comment) d.background.track(d.versions.comment(c.filename, c.before.user, c.before.timestamp, c.meta.comment), 'version bookkeeping');
          if (d.warnings.has(c.filename)) void d.warnings.delete(c.filename).then(() => d.board.touch(c.filename));
        }
      }
    },
    health: () => undefined,
  });
}
