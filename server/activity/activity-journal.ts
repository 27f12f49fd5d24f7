import type { ActivityEvent } from '../../shared/protocol.js';
import type { LockChange } from '../locks/lock-diff.js';
import type { VaultChange } from '../vault/vault-index.js';
import { makeActivity } from './activity-log.js';

const LOCK_TYPES = new Set<ActivityEvent['type']>(['checkout', 'checkin', 'force_release', 'lock_edited']);

/** Whether an entry records a lock change (as opposed to a file or version event). */
export const isLockEntry = (e: ActivityEvent) => LOCK_TYPES.has(e.type);

/**
 * Whether the log's last lock entry for the file already leads to the state this change leads to:
 * then the change was recorded and only the journaled copy missed it (a server killed between the
 * log append and the copy). A hand edit of only a lock's time or extra fields counts as recorded.
 */
export function alreadyRecorded(c: LockChange, last: ActivityEvent | undefined): boolean {
  if (!last) return false;
  if (c.after) return (last.type === 'checkout' || last.type === 'lock_edited') && last.user === c.after.user && (last.message ?? null) === (c.after.message || null);
  return (last.type === 'checkin' || last.type === 'force_release') && last.previous_user === c.before?.user;
}

/** One activity entry per lock change: `committed` ones were made here (api), `drift` seen on disk. */
export function lockActivities(committed: LockChange[], drift: LockChange[]): ActivityEvent[] {
  return [...drift.map((c) => lockActivity(c, 'disk')), ...committed.map((c) => lockActivity(c, 'api'))];
}

function lockActivity(c: LockChange, source: 'api' | 'disk'): ActivityEvent {
  const filename = c.filename;
  if (!c.before && c.after) {
    return makeActivity({ type: 'checkout', filename, user: c.after.user, message: c.after.message || null, source });
  }
  if (c.before && !c.after) {
    const forced = c.meta?.forced === true;
    return makeActivity({
      type: forced ? 'force_release' : 'checkin',
      filename,
      user: c.meta?.by ?? c.before.user,
      message: c.meta?.comment ?? null,
      source,
      previous_user: c.before.user,
    });
  }
  return makeActivity({
    type: 'lock_edited',
    filename,
    user: c.after!.user,
    message: c.after!.message || null,
    source,
    previous_user: c.before!.user,
  });
}

/** Vault changes are seen by every server: `modified` and size make the dedupe key. */
export function fileActivity(c: VaultChange): ActivityEvent {
  const type = c.kind === 'added' ? 'file_added' : c.kind === 'changed' ? 'file_changed' : 'file_removed';
  return makeActivity({
    type,
    filename: c.name,
    user: null,
    message: null,
    source: 'disk',
    ...(c.kind === 'removed' ? {} : { size_bytes: c.stat.size, modified: new Date(c.stat.mtimeMs).toISOString() }),
  });
}

/** Same key = same change, whichever server noticed it. */
export function fileActivityKey(e: ActivityEvent): string {
  const x = e as ActivityEvent & { modified?: string; size_bytes?: number };
  return `${e.type}|${e.filename}|${x.modified ?? ''}|${x.size_bytes ?? ''}`;
}
