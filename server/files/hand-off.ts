import type { LockStore } from '../locks/lock-store.js';
import type { Logger } from '../logger.js';
import type { FileCommands } from './file-commands.js';
import { queueOf } from './queue.js';

/**
 * A hand edit (or another tool) that removes a lock record with a queue from locks.json: the
 * first waiter gets the file, as if it had been checked in. Every server sharing the vault sees
 * the removal; the first to take the lock hands over, the others then find the file held and
 * do nothing (FileCommands.handOverAfterEdit re-checks under the lock).
 */
export function followHandOffs(store: LockStore, commands: FileCommands, logger: Logger): void {
  store.subscribe({
    changes: (changes, source) => {
      if (source !== 'disk') return;
      for (const c of changes) {
        if (!c.before || c.after || !queueOf(c.before)?.length) continue;
        commands.handOverAfterEdit(c.filename, c.before).catch((err: unknown) => logger.warn({ err, filename: c.filename }, 'handing over after a hand edit failed'));
      }
    },
    health: () => undefined,
  });
}
