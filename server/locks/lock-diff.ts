import type { LockInfo, LocksMap } from '../../shared/protocol.js';

/** What one mutation says about a change it made (for events and the activity log). */
export interface ChangeMeta {
  /** Who asked for it. */
  by: string | null;
  forced?: boolean;
  /** A check-in comment, for the activity log. */
  comment?: string | null;
  /** A forced release's reason. */
  reason?: string | null;
  /** The lock was handed over to the first in the queue as the previous one was released. */
  handoff?: boolean;
  /** The holder undid the check-out (content put back first). */
  undo?: boolean;
  /** Only the queue changed: someone joined it or left it. */
  queue?: 'joined' | 'left';
}

/** One file's lock before and after; at least one of them is non-null and they differ. */
export interface LockChange {
  filename: string;
  before: LockInfo | null;
  after: LockInfo | null;
  meta?: ChangeMeta;
}

export function sameLock(a: LockInfo | null | undefined, b: LockInfo | null | undefined): boolean {
  if (!a || !b) return a === b || (!a && !b);
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}

/** Every file whose lock differs between two maps, in name order. */
export function diffLocks(before: LocksMap, after: LocksMap): LockChange[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  const out: LockChange[] = [];
  for (const filename of [...names].sort()) {
    // Own entries only: a lock named `constructor` is not Object.prototype's.
    const b = Object.hasOwn(before, filename) ? before[filename]! : null;
    const a = Object.hasOwn(after, filename) ? after[filename]! : null;
    if (!sameLock(a, b)) out.push({ filename, before: b, after: a });
  }
  return out;
}
