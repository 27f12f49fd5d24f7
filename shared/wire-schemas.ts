import { z } from 'zod';
import type {
  StateChanged,
  StateRecord,
  StatesBody,
  ActivityBody,
  ActivityEvent,
  ErrorBody,
  FilesBody,
  FileStatus,
  HealthBody,
  LockInfo,
  LocksBody,
  MutationBody,
  FilesMutationBody,
  HistoryBody,
  UndoBody,
  PresenceBody,
  QueueEntry,
  SessionBody,
  SignInBody,
  Version,
  VersionBody,
  VersionsBody,
  NudgeBody,
} from './protocol.js';
import { ACTIVITY_TYPES, ERROR_CODES, RELEASE_STATES } from './protocol.js';

/*
 * The answers of the HTTP API as zod schemas, each checked against its wire type in
 * shared/protocol.ts (`satisfies z.ZodType<T>`), so the OpenAPI description made from them
 * cannot drift from what the routes answer. `.meta({id})` names each as an OpenAPI component.
 */

export const queueEntry = z.object({ user: z.string(), since: z.string(), message: z.string() }).meta({ id: 'QueueEntry' }) satisfies z.ZodType<QueueEntry>;

export const lockInfo = z
  .looseObject({ user: z.string(), timestamp: z.string(), message: z.string(), queue: z.array(queueEntry).optional(), until: z.string().optional(), handed_over_from: z.string().optional() })
  .meta({ id: 'LockInfo', description: 'A lock record as stored in locks.json; extra fields written by hand or by tools are kept.' }) satisfies z.ZodType<LockInfo>;

export const stateChanged = z.object({ by: z.string(), at: z.string(), comment: z.string().nullable() }).meta({ id: 'StateChanged' }) satisfies z.ZodType<StateChanged>;

export const fileStatus = z
  .object({
    name: z.string(),
    size_bytes: z.number().int().nullable(),
    modified: z.string().nullable(),
    status: z.enum(['available', 'checked_out']),
    locked_by: z.string().nullable(),
    lock: lockInfo.nullable(),
    warning: z.enum(['edited_unlocked']).nullable().optional(),
    protected: z.boolean(),
    queue: z.array(queueEntry),
    state: z.enum(RELEASE_STATES).meta({ description: 'Release state (CONTRACT §18); `draft` when nobody set one' }),
    revision: z.string().meta({ description: 'Revision label: A, B, … Z, AA' }),
    state_changed: stateChanged.nullable(),
  })
  .meta({ id: 'FileStatus', description: 'A tracked file with its lock status merged in.' }) satisfies z.ZodType<FileStatus>;

export const version = z
  .object({ number: z.number().int().min(1), user: z.string().nullable(), at: z.string(), size_bytes: z.number().int(), sha256: z.string(), comment: z.string().nullable() })
  .meta({ id: 'Version', description: 'One saved content of a file; the newest is the current content.' }) satisfies z.ZodType<Version>;


export const activityEvent = z
  .object({
    id: z.string(),
    at: z.string(),
    type: z.enum(ACTIVITY_TYPES),
    filename: z.string().nullable(),
    user: z.string().nullable(),
    message: z.string().nullable(),
    source: z.enum(['api', 'disk']),
    previous_user: z.string().nullable().optional(),
    size_bytes: z.number().int().optional(),
    modified: z.string().optional(),
    version: z.number().int().optional(),
    handoff: z.boolean().optional(),
    until: z.string().optional(),
    state: z.enum(RELEASE_STATES).optional(),
    revision: z.string().optional(),
    sha256: z.string().optional(),
  })
  .meta({ id: 'ActivityEvent' }) satisfies z.ZodType<ActivityEvent>;

export const errorBody = z
  .object({ detail: z.string(), code: z.enum(ERROR_CODES), lock: lockInfo.optional(), locks: z.record(z.string(), lockInfo).optional(), missing: z.array(z.string()).optional(), retry_after_s: z.number().int().optional() })
  .meta({ id: 'ErrorBody', description: 'Every error answer; `lock` with ALREADY_LOCKED and NOT_LOCK_OWNER.' }) satisfies z.ZodType<ErrorBody>;

export const healthBody = z
  .object({ status: z.enum(['ok', 'degraded']), locks: z.enum(['ok', 'unavailable']), detail: z.string().nullable(), revision: z.number().int(), cluster: z.enum(['ok', 'degraded']).optional() })
  .meta({ id: 'HealthBody' }) satisfies z.ZodType<HealthBody>;

export const filesBody = z.object({ revision: z.number().int(), files: z.array(fileStatus) }).meta({ id: 'FilesBody' }) satisfies z.ZodType<FilesBody>;
export const locksBody = z.object({ revision: z.number().int(), locks: z.record(z.string(), lockInfo) }).meta({ id: 'LocksBody' }) satisfies z.ZodType<LocksBody>;
export const filesMutationBody = z.object({ success: z.literal(true), files: z.array(fileStatus) }).meta({ id: 'FilesMutationBody' }) satisfies z.ZodType<FilesMutationBody>;
export const mutationBody = z.object({ success: z.literal(true), file: fileStatus, new_revision: z.string().optional() }).meta({ id: 'MutationBody' }) satisfies z.ZodType<MutationBody>;
export const stateRecord = stateChanged.extend({ state: z.enum(RELEASE_STATES), revision: z.string(), sha256: z.string().optional() }).meta({ id: 'StateRecord' }) satisfies z.ZodType<StateRecord>;
export const statesBody = z.object({ changes: z.array(stateRecord) }).meta({ id: 'StatesBody' }) satisfies z.ZodType<StatesBody>;
export const versionBody = z.object({ success: z.literal(true), file: fileStatus, version }).meta({ id: 'VersionBody' }) satisfies z.ZodType<VersionBody>;
export const undoBody = z.object({ success: z.literal(true), file: fileStatus, reverted: z.boolean() }).meta({ id: 'UndoBody' }) satisfies z.ZodType<UndoBody>;
const holdEnd = z.enum(['checkin', 'force_release', 'undo_checkout', 'handoff', 'disk']);
export const historyBody = z
  .object({
    holds: z.array(z.object({ user: z.string(), from: z.string(), to: z.string().nullable(), message: z.string().nullable(), until: z.string().optional(), comment: z.string().nullable(), ended: holdEnd.nullable() })),
    stats: z.object({
      holds: z.number().int(),
      median_hold_s: z.number().nullable(),
      p90_hold_s: z.number().nullable(),
      longest_hold_s: z.number().nullable(),
      holders: z.record(z.string(), z.number().int()),
    }),
  })
  .meta({ id: 'HistoryBody' }) satisfies z.ZodType<HistoryBody>;
export const versionsBody = z.object({ versions: z.array(version) }).meta({ id: 'VersionsBody' }) satisfies z.ZodType<VersionsBody>;
export const activityBody = z.object({ events: z.array(activityEvent) }).meta({ id: 'ActivityBody' }) satisfies z.ZodType<ActivityBody>;
export const sessionBody = z
  .object({ user: z.string().nullable(), role: z.enum(['user', 'admin']), mode: z.enum(['open', 'users']), share_path: z.string(), approver: z.boolean().optional() })
  .meta({ id: 'SessionBody' }) satisfies z.ZodType<SessionBody>;
export const signInBody = z.object({ user: z.string(), role: z.enum(['user', 'admin']), token: z.string(), share_path: z.string() }).meta({ id: 'SignInBody' }) satisfies z.ZodType<SignInBody>;
/** `GET /api/session` before sign-in when a directory is configured: the form names it. */
export const signInNeeded = errorBody.extend({ directory: z.string().optional() }).meta({ id: 'SignInNeeded' });

const lfsLock = z.object({ id: z.string(), path: z.string(), locked_at: z.string(), owner: z.object({ name: z.string() }), message: z.string().optional() }).meta({ id: 'LfsLock' });
export const lfs = {
  lock: lfsLock,
  created: z.object({ lock: lfsLock }),
  list: z.object({ locks: z.array(lfsLock), next_cursor: z.string().optional() }),
  verify: z.object({ ours: z.array(lfsLock), theirs: z.array(lfsLock), next_cursor: z.string().optional() }),
  error: z.object({ message: z.string(), code: z.enum(ERROR_CODES).optional(), lock: lfsLock.optional() }).meta({ id: 'LfsError' }),
};
export const presenceBody = z
  .object({ users: z.array(z.object({ user: z.string(), online: z.boolean(), last_seen: z.string().nullable() })) })
  .meta({ id: 'PresenceBody' }) satisfies z.ZodType<PresenceBody>;
export const okBody = z.object({ success: z.literal(true) }).meta({ id: 'OkBody' });
export const nudgeBody = z.object({ success: z.literal(true), holder_online: z.boolean() }).meta({ id: 'NudgeBody', description: '`holder_online` false: they get it when they next open the page' }) satisfies z.ZodType<NudgeBody>;
