import type { Logger } from '../logger.js';
import type { LockStore } from '../locks/lock-store.js';
import { folds, nameKey } from '../vault/name-rules.js';
import type { VaultChange, VaultIndex } from '../vault/vault-index.js';

/**
 * A file renamed on disk only in its spelling (`pn1.mcam` to `PN1.mcam`, on a share that does not
 * tell them apart) is the same file: its lock, with its queue, moves to the new spelling in one
 * write, so the board shows the disk's spelling and nobody can take it under the old one.
 */
export async function followRespelledFiles(changes: readonly VaultChange[], store: LockStore, index: VaultIndex, logger?: Logger): Promise<void> {
  const { rules } = index;
  if (!folds(rules)) return;
  const added = changes.filter((c) => c.kind === 'added').map((c) => c.name);
  if (added.length === 0) return;
  const held = new Map(Object.keys(store.snapshot()).map((n) => [nameKey(rules, n), n]));
  const moves: Array<[string, string]> = [];
  for (const name of added) {
    const old = held.get(nameKey(rules, name));
    if (old !== undefined && old !== name && index.get(old) === undefined) moves.push([old, name]);
  }
  if (moves.length === 0) return;
  await store
    .mutate((draft) => {
      for (const [old, now] of moves) {
        const lock = draft.get(old);
        if (!lock || draft.get(now)) continue;
        draft.delete(old, { by: lock.user });
        draft.set(now, lock, { by: lock.user });
      }
    })
    .catch((err: unknown) => logger?.warn({ err, moves }, 'moving locks to a file\'s new spelling failed; the next change retries'));
}
