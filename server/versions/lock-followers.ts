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
 * What versions do when a lock changes on disk (a hand edit of locks.json, another server's
 * write): on check-out the content the holder starts from is kept, as soon as this server sees
 * it (commands made here keep it before they answer: see ContentKeeper); on check-in an "edited
 * unlocked" warning ends, whoever released it.
 */
export function followLocksForVersions(d: LockFollowerDeps): void {
  d.store.subscribe({
    changes: (changes, source) => {
      for (const c of changes) {
        if (c.after && !c.before) {
          if (source === 'api') continue;
          // A lock on a file that is not in the vault (a hand edit of locks.json may add one) has no content.
          if (d.index.get(c.filename)) d.background.track(d.versions.record(c.filename, join(d.layout.root, ...c.filename.split('/')), { user: null, durable: false, unchangedSince: Date.parse(c.after.timestamp) }), 'version bookkeeping');
        } else if (c.before && !c.after) {
          if (d.warnings.has(c.filename)) void d.warnings.delete(c.filename).then(() => d.board.touch(c.filename));
        }
      }
    },
    health: () => undefined,
  });
}
