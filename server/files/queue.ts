import type { LockInfo, QueueEntry } from '../../shared/protocol.js';
import { MAX_QUEUE, queueOf } from '../../shared/file-status.js';

export { MAX_QUEUE, queueOf };
import type { LockChange } from '../locks/lock-diff.js';
import type { LocksDraft } from '../locks/lock-draft.js';

/** How far ahead `until` may be. */
export const MAX_UNTIL_MS = 365 * 24 * 3600 * 1000;

/** The record with `queue` replaced (the field left out when empty; other fields kept). */
export function withQueue(lock: LockInfo, queue: QueueEntry[]): LockInfo {
  const rest: LockInfo = { ...lock };
  delete rest.queue;
  return queue.length > 0 ? { ...rest, queue } : rest;
}

/**
 * Who gets the file when `released` is let go: the first in its queue that `known` still accepts
 * (a waiter removed from the users file is skipped), as a new record that keeps the rest of the
 * queue; null when nobody waits (or the queue is unreadable).
 */
export function handOff(released: LockInfo, now: string, known: (user: string) => boolean): LockInfo | null {
  const queue = queueOf(released);
  if (!queue) return null;
  const i = queue.findIndex((w) => known(w.user) && w.user !== released.user);
  if (i < 0) return null;
  const next = queue[i]!;
  const rest = queue.slice(i + 1).filter((w) => w.user !== next.user);
  return { user: next.user, timestamp: now, message: next.message, handed_over_from: released.user, ...(rest.length > 0 ? { queue: rest } : {}) };
}

/** Why `until` cannot be kept, or null: ISO, in the future, within MAX_UNTIL_MS. */
export function untilProblem(until: string, now = Date.now()): string | null {
  const t = Date.parse(until);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(until) || Number.isNaN(t)) return 'must be an ISO time such as 2026-12-03T16:00:00Z';
  if (t <= now) return 'must be in the future';
  if (t - now > MAX_UNTIL_MS) return 'must be within 365 days';
  return null;
}

/**
 * Who may still be given a file at hand-off: in users mode, someone still in the users file or
 * the directory; in open mode, anyone.
 */
export function mayReceiveHandOff(accounts: { known(user: string): boolean } | null): (user: string) => boolean {
  return (user) => accounts?.known(user) ?? true;
}

/**
 * Records with a queue removed from locks.json by hand: the first waiter gets each file, in the
 * write that journals the removal (LockStore's `followDrift`). Every server sharing the vault sees
 * the edit; the one that journals it hands over, the others then find nothing unjournaled. The
 * removed record is the journaled copy's, read under the lock: fresher than any server's memory.
 */
export function handOffRemoved(drift: LockChange[], draft: LocksDraft, known: (user: string) => boolean): void {
  const now = new Date().toISOString();
  for (const c of drift) {
    if (!c.before || c.after || draft.get(c.filename)) continue;
    const next = handOff(c.before, now, known);
    if (next) draft.set(c.filename, next, { by: null, handoff: true });
  }
}
