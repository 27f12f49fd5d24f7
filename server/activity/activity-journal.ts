import { LOCK_ACTIVITY_TYPES, type ActivityEvent } from '../../shared/protocol.js';
import type { LockChange } from '../locks/lock-diff.js';
import type { VaultChange } from '../vault/vault-index.js';
import type { Journal } from '../locks/lock-store.js';
import { makeActivity, type ActivityLog } from './activity-log.js';

/** Whether an entry records a lock change (as opposed to a file or version event). */
export const isLockEntry = (e: ActivityEvent) => LOCK_ACTIVITY_TYPES.has(e.type);

/**
 * A change seen on disk (drift: the journaled copy against locks.json), told from what the log
 * last recorded for the file instead of from the copy: the copy can be older than the log (a
 * server killed during a hold of the lock, which writes the copy when the hold ends, after several
 * batches were logged). Null when the log already leads to the change's state. Without this, a
 * file held in the copy, released and taken again in the log and held on disk read as an edit of
 * the old lock instead of the check-out the log lacks.
 */
export function unrecordedDrift(c: LockChange, last: ActivityEvent | undefined): LockChange | null {
  if (!last) return c;
  const logged = last.type === 'checkout' || last.type === 'lock_edited' ? { user: last.user ?? '', timestamp: last.at, message: last.message ?? '' } : null;
  if (!c.after) return logged ? { ...c, before: logged } : null;
  // Held on disk: recorded when the log's holder and message are these (a hand edit of only a
  // lock's time or extra fields counts as recorded).
  if (logged && logged.user === c.after.user && (last.message ?? null) === (c.after.message || null)) return null;
  return { ...c, before: logged };
}

/** One activity entry per lock change: `committed` ones were made here (api), `drift` seen on disk. */
export function lockActivities(committed: LockChange[], drift: LockChange[]): ActivityEvent[] {
  return [...drift.map((c) => lockActivity(c, 'disk')), ...committed.map((c) => lockActivity(c, 'api'))];
}

function lockActivity(c: LockChange, source: 'api' | 'disk'): ActivityEvent {
  const filename = c.filename;
  if (!c.before && c.after) {
    return makeActivity({ type: 'checkout', filename, user: c.after.user, message: c.after.message || null, source, ...(c.after.until ? { until: c.after.until } : {}), ...(c.meta?.handoff ? { handoff: true, previous_user: c.after.handed_over_from ?? null } : {}) });
  }
  if (c.before && c.after && c.meta?.queue) {
    return makeActivity({ type: c.meta.queue === 'joined' ? 'queued' : 'unqueued', filename, user: c.meta.by, message: null, source, previous_user: c.after.user });
  }
  if (c.before && !c.after) {
    const forced = c.meta?.forced === true;
    return makeActivity({
      type: forced ? 'force_release' : c.meta?.undo ? 'undo_checkout' : 'checkin',
      filename,
      user: c.meta?.by ?? c.before.user,
      message: (forced ? c.meta?.reason : null) ?? c.meta?.comment ?? null,
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

/**
 * The lock store's journal over this activity log: the entries of each batch, and of the drift
 * found on disk, less what the log already has (a server killed between its log append and its
 * journaled copy leaves that copy behind the log: those changes are not logged twice).
 */
export function journalFor(activity: Pick<ActivityLog, 'latest'>): Journal {
  return async ({ committed, drift }) => {
    if (drift.length === 0) return lockActivities(committed, []);
    const last = await activity.latest(new Set(drift.map((c) => c.filename)), isLockEntry);
    return lockActivities(committed, drift.flatMap((c) => unrecordedDrift(c, last.get(c.filename)) ?? []));
  };
}
