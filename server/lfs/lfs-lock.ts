import { createHash } from 'node:crypto';
import type { LockInfo } from '../../shared/protocol.js';

/** A lock as the Git LFS File Locking API shows it. */
export interface LfsLock {
  id: string;
  path: string;
  locked_at: string;
  owner: { name: string };
  /** The check-out message: an extra field, for LFS clients that show it (git-lfs #5068). */
  message?: string;
}

/**
 * A lock's LFS id: the `id` field of its record when it has one (locks made through this API),
 * otherwise derived from what identifies the lock (path, holder, time), so it stays the same for
 * the life of a lock taken from the page too.
 */
export function lockId(path: string, lock: LockInfo): string {
  if (typeof lock.id === 'string' && lock.id) return lock.id;
  return deriveId(path, lock.user, lock.timestamp);
}

export function deriveId(path: string, user: string, timestamp: string): string {
  return createHash('sha256').update(`${path}\u0000${user}\u0000${timestamp}`).digest('hex').slice(0, 24);
}

export function toLfsLock(path: string, lock: LockInfo): LfsLock {
  return { id: lockId(path, lock), path, locked_at: lock.timestamp, owner: { name: lock.user }, ...(lock.message ? { message: lock.message } : {}) };
}
