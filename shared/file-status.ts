import type { FileStatus, LockInfo, QueueEntry } from './protocol.js';

// What a file's status says about its lock: built by the server for every file it sends, and by
// the page when a lock event (which carries no FileStatus) changes a row. One rule, one place.

/** The longest queue a file may have: past it, `wait` is refused (400). */
export const MAX_QUEUE = 100;

/**
 * A lock record's queue as the rules read it: `[]` when there is none; null when a hand edit
 * made it something other than a list of `{user}` records (then it is ignored for hand-off and
 * reported, and never rewritten by wait or unwait).
 */
export function queueOf(lock: LockInfo | null): QueueEntry[] | null {
  if (!lock) return [];
  const q: unknown = lock.queue;
  if (q === undefined) return [];
  if (!Array.isArray(q) || q.length > MAX_QUEUE * 10) return null;
  const out: QueueEntry[] = [];
  for (const e of q as unknown[]) {
    if (typeof e !== 'object' || e === null || typeof (e as { user?: unknown }).user !== 'string' || !(e as { user: string }).user) return null;
    const r = e as { user: string; since?: unknown; message?: unknown };
    out.push({ user: r.user, since: typeof r.since === 'string' ? r.since : '', message: typeof r.message === 'string' ? r.message : '' });
  }
  return out;
}

/** The lock's part of a FileStatus; an unreadable queue (a hand edit) shows as none. */
export function lockFields(lock: LockInfo | null): Pick<FileStatus, 'status' | 'locked_by' | 'lock' | 'queue'> {
  return { status: lock ? 'checked_out' : 'available', locked_by: lock ? lock.user : null, lock, queue: queueOf(lock) ?? [] };
}

/**
 * The revision a check-out started, told from the file after it: a draft whose state was set at
 * the lock's own time (the check-out set it); undefined otherwise.
 */
export function newRevisionOf(file: Pick<FileStatus, 'state' | 'revision' | 'state_changed' | 'lock'>): string | undefined {
  return file.state === 'draft' && file.lock && file.state_changed?.at === file.lock.timestamp ? file.revision : undefined;
}

/** The label after `label`: B after A, AA after Z, AB after AA. */
export function nextRevision(label: string): string {
  const letters = Array.from({ length: label.length }, (_, i) => label.charCodeAt(i) - 64);
  let i = letters.length - 1;
  while (i >= 0 && letters[i] === 26) letters[i--] = 1;
  if (i < 0) letters.unshift(1);
  else letters[i]!++;
  return String.fromCharCode(...letters.map((n) => n + 64));
}
