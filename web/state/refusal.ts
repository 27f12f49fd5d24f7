import type { ErrorBody, LockInfo } from '../../shared/protocol.js';

/**
 * A refusal shown above the list, with what it depends on, so it goes away when it no longer
 * holds: the lock of its file changed hands, or the wait it names is over (its seconds count down).
 */
export interface Refusal {
  text: string;
  /** The file it is about, and that file's lock when it was refused ('' for none). */
  file?: string;
  lockKey?: string;
  /** Epoch ms when trying again is allowed (TOO_MANY_REQUESTS). */
  until?: number;
}

/** Who holds a lock since when: changes when the file changes hands. */
export const lockKey = (lock: LockInfo | undefined): string => (lock ? `${lock.user}\u0000${lock.timestamp}` : '');

export function refusalOf(ack: ErrorBody, file: string, lock: LockInfo | undefined, now: number): Refusal {
  return { text: ack.detail, file, lockKey: lockKey(lock), ...(ack.retry_after_s !== undefined ? { until: now + ack.retry_after_s * 1000 } : {}) };
}

/** The text to show now, or null when the refusal no longer holds. */
export function refusalText(r: Refusal | null, lock: LockInfo | undefined, now: number): string | null {
  if (!r) return null;
  if (r.file !== undefined && r.lockKey !== lockKey(lock)) return null;
  if (r.until === undefined) return r.text;
  const left = Math.ceil((r.until - now) / 1000);
  return left > 0 ? r.text.replace(/\b\d+ s\b/, `${left} s`) : null;
}
