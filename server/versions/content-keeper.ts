import { join } from 'node:path';
import type { LockInfo } from '../../shared/protocol.js';
import type { Logger } from '../logger.js';
import type { ContentKeeper } from '../files/file-commands.js';
import type { VaultIndex } from '../vault/vault-index.js';
import type { VaultLayout } from '../vault/vault-paths.js';
import type { ContentTurns } from './content-turns.js';
import type { VersionStore } from './version-store.js';

/** How long a check-in waits for a save of the file that is still settling (being written). */
export const SETTLING_WAIT_MS = 2000;

export interface ContentKeeperDeps {
  logger?: Logger;
  layout: VaultLayout;
  index: VaultIndex;
  versions: VersionStore;
  turns: ContentTurns;
  /** Resolves once the watcher has no save of `abs` still settling, or after `maxMs`. */
  settled: (abs: string, maxMs: number) => Promise<void>;
}

/**
 * What a lock change promises about content, kept before it is answered: the content a check-out
 * starts from (so undo has it, whatever is saved a moment later), and at check-in the holder's
 * last save (waited for while it settles) with the check-in's comment, durably.
 */
export function contentKeeper(d: ContentKeeperDeps): ContentKeeper {
  const abs = (name: string) => join(d.layout.root, ...name.split('/'));
  // The lock change stands whatever happens here (a file swapped for a FIFO or a link, a full
  // disk): the answer says what was committed, the log says what could not be kept.
  const logged = (what: string, name: string) => (err: unknown) => d.logger?.warn({ err, file: name }, what);
  return {
    async checkedOut(names) {
      // Nothing is copied when the newest version already is this content (the usual case); a
      // file's first check-out keeps it (a copy, or the bytes already read to hash it).
      await Promise.all(names.filter((n) => d.index.get(n) !== undefined).map((n) => d.versions.record(n, abs(n), { user: null, durable: false }).catch(logged('keeping the content at check-out failed', n))));
    },
    async releasing(name: string, holder: string) {
      if (d.index.get(name) === undefined) return;
      await d.settled(abs(name), SETTLING_WAIT_MS);
      await d.turns.run(name, () => d.versions.record(name, abs(name), { user: holder })).catch(logged('keeping the holder\'s last save failed', name));
    },
    async released(name: string, held: LockInfo, comment: string | null) {
      if (comment) await d.versions.comment(name, held.user, held.timestamp, comment).catch(logged('keeping the check-in comment failed', name));
    },
  };
}
