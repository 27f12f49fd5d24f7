/**
 * Wire types shared by the server, the web app and the tests: the one place the HTTP bodies and
 * Socket.IO events documented in README.md are spelled out.
 */

/** One person waiting for a file, in a lock record's `queue` (oldest first). */
export interface QueueEntry {
  user: string;
  since: string;
  message: string;
}

/** One lock record as stored in locks.json. Extra fields written by hand or by tools are kept. */
export interface LockInfo {
  user: string;
  timestamp: string;
  message: string;
  /** Who waits for it, oldest first; the first gets it when it is released (hand-off). */
  queue?: QueueEntry[];
  /** When the holder means to be done (ISO); past it the lock is overdue. */
  until?: string;
  /** Set on a lock that was handed over: the previous holder. */
  handed_over_from?: string;
  [extra: string]: unknown;
}

/** locks.json: file name → lock record. */
export type LocksMap = Record<string, LockInfo>;

export type FileState = 'available' | 'checked_out';

/** Release states (CONTRACT §18): written, run once under watch, signed off, retired. */
export const RELEASE_STATES = ['draft', 'proven', 'released', 'obsolete'] as const;
export type ReleaseState = (typeof RELEASE_STATES)[number];

/** Who set a file's state, when, and why (null in a FileStatus: nobody has yet). */
export interface StateChanged {
  by: string;
  at: string;
  comment: string | null;
}

/** A record of states.json: file name → its state now. */
export interface StateRecord extends StateChanged {
  state: ReleaseState;
  /** `A`, `B`, … `Z`, `AA`, … */
  revision: string;
  /** A release: the released content's sha256 (its version is offered as `Released A`). */
  sha256?: string;
}

/** A tracked file with its lock status merged in. */
export interface FileStatus {
  name: string;
  /** `null` only for a lock on a file that no longer exists in the vault. */
  size_bytes: number | null;
  modified: string | null;
  status: FileState;
  locked_by: string | null;
  lock: LockInfo | null;
  /** `edited_unlocked`: the content changed on disk while nobody held the lock (until the next check-out and check-in). */
  warning?: 'edited_unlocked' | null;
  /** `--protect`: the file is read-only on the share (not checked out); always false without it. */
  protected: boolean;
  /** Who waits for it, oldest first (`[]` when nobody, or when it is available). */
  queue: QueueEntry[];
  /** Release state and revision (`draft`, `A` when nobody has set one). */
  state: ReleaseState;
  revision: string;
  state_changed: StateChanged | null;
}

/** One saved content of a file; numbers start at 1 and grow, the newest is the current content. */
export interface Version {
  number: number;
  user: string | null;
  at: string;
  size_bytes: number;
  sha256: string;
  comment: string | null;
}

export interface VersionBody {
  success: true;
  file: FileStatus;
  version: Version;
}

export interface VersionsBody {
  versions: Version[];
}

/** `GET /api/session`: who the caller is; `user` null in open mode without a name. */
export interface SessionBody {
  user: string | null;
  role: 'user' | 'admin';
  mode: 'open' | 'users';
  /** Where the vault's folder is as people open it (`--share-path`), for `Copy path`. */
  share_path: string;
  /** May release and retire files (an admin, or named by --approvers). */
  approver?: boolean;
}

/** `POST /api/session`: the session, with its token for scripts (`Authorization: Bearer`). */
export interface SignInBody {
  user: string;
  role: 'user' | 'admin';
  token: string;
  /** As in SessionBody. */
  share_path: string;
}

export interface HealthBody {
  status: 'ok' | 'degraded';
  locks: 'ok' | 'unavailable';
  detail: string | null;
  revision: number;
  /** With `--cluster` only: whether Redis carries the nodes' notices now (`degraded`: the share alone). */
  cluster?: 'ok' | 'degraded';
}

export type ChangeSource = 'api' | 'disk';

/** Every kind of activity entry. */
export const ACTIVITY_TYPES = [
  'checkout',
  'checkin',
  'force_release',
  'lock_edited',
  'file_added',
  'file_changed',
  'file_removed',
  'locks_unavailable',
  'locks_restored',
  'version_added',
  'version_restored',
  'edited_unlocked',
  'queued',
  'unqueued',
  'nudge',
  'undo_checkout',
  'state_changed',
] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];
/** The entries that record a lock change (the rest are file, version, queue and health events). */
export const LOCK_ACTIVITY_TYPES: ReadonlySet<ActivityType> = new Set<ActivityType>(['checkout', 'checkin', 'force_release', 'lock_edited', 'undo_checkout']);

export interface ActivityEvent {
  id: string;
  at: string;
  type: ActivityType;
  filename: string | null;
  user: string | null;
  message: string | null;
  source: ChangeSource;
  /** For a forced release or a check-in seen on disk: whose lock it was. */
  previous_user?: string | null;
  /** For file events: the file's size and time, so servers sharing a vault log a change once. */
  size_bytes?: number;
  modified?: string;
  /** For version events: the version number. */
  version?: number;
  /** For a check-out that was a hand-off from the previous holder to the first in the queue. */
  handoff?: boolean;
  /** For a check-out with a time the holder means to be done by. */
  until?: string;
  /** For `state_changed`: the file's release state and revision from then on. */
  state?: ReleaseState;
  revision?: string;
  /** For a release: the released content's sha256. */
  sha256?: string;
}

export const ERROR_CODES = [
  'INVALID_REQUEST',
  'UNAUTHENTICATED',
  'NOT_LOCK_OWNER',
  'FORBIDDEN',
  'FILE_NOT_FOUND',
  'NOT_FOUND',
  'ALREADY_LOCKED',
  'NOT_LOCKED',
  'UNDO_UNAVAILABLE',
  'PAYLOAD_TOO_LARGE',
  'FILE_BUSY',
  'TOO_MANY_REQUESTS',
  'LOCKS_UNAVAILABLE',
  'DIRECTORY_UNAVAILABLE',
  'INVALID_TRANSITION',
  'STATES_UNAVAILABLE',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Every error answer, over HTTP and in a socket ack (as `{ok:false, ...}`). */
export interface ErrorBody {
  detail: string;
  code: ErrorCode;
  lock?: LockInfo;
  /** Several files at once: the ones already locked (ALREADY_LOCKED), by name. */
  locks?: LocksMap;
  /** Several files at once: the names that are not tracked files (FILE_NOT_FOUND). */
  missing?: string[];
  /** Socket acks of TOO_MANY_REQUESTS: when to try again (HTTP answers say it in `Retry-After`). */
  retry_after_s?: number;
}

export interface FilesBody {
  revision: number;
  files: FileStatus[];
}

export interface LocksBody {
  revision: number;
  locks: LocksMap;
}

export interface MutationBody {
  success: true;
  file: FileStatus;
  /** A check-out that started this revision (the file was proven, released or obsolete). */
  new_revision?: string;
}

/** `GET /api/files/{name}/states`: the file's state changes, newest first. */
export interface StatesBody {
  changes: StateRecord[];
}

/** Several files checked out or in at once (`filenames`). */
export interface FilesMutationBody {
  success: true;
  files: FileStatus[];
}

export interface ActivityBody {
  events: ActivityEvent[];
}

/** How a hold ended: see `GET /api/files/{name}/history`. */
export type HoldEnd = 'checkin' | 'force_release' | 'undo_checkout' | 'handoff' | 'disk';

/** One check-out to its release; `to` and `ended` are null for the current hold. */
export interface FileHold {
  user: string;
  from: string;
  to: string | null;
  /** The check-out's message. */
  message: string | null;
  /** When the holder meant to be done, if they said. */
  until?: string;
  /** The check-in's comment, or a forced release's reason. */
  comment: string | null;
  ended: HoldEnd | null;
}

/** Over every hold of the file; the times (seconds) over the ended ones, null when none ended. */
export interface HoldStats {
  holds: number;
  median_hold_s: number | null;
  p90_hold_s: number | null;
  longest_hold_s: number | null;
  /** Holds per person. */
  holders: Record<string, number>;
}

/** `GET /api/files/{name}/history`: holds newest first. */
export interface HistoryBody {
  holds: FileHold[];
  stats: HoldStats;
}

/** `POST /api/files/checkin` with `revert`: the file back at its content at check-out, then released. */
export interface UndoBody {
  success: true;
  file: FileStatus;
  /** Whether the content had changed and was put back. */
  reverted: boolean;
}

// ---- Socket.IO ------------------------------------------------------------------------------

export interface SnapshotPayload {
  revision: number;
  files: FileStatus[];
  locks: LocksMap;
  health: HealthBody;
}

export interface LockAcquiredPayload {
  revision: number;
  filename: string;
  lock: LockInfo;
  source: ChangeSource;
  /** The lock was handed over to the first in the queue as the previous one was released. */
  handoff?: boolean;
  /** The check-out started this revision (the file was proven, released or obsolete). */
  new_revision?: string;
}

/** `file:state`: a file's release state changed (a command, a check-out, a hand edit). */
export interface FileStatePayload extends StateRecord {
  /** The board's revision (the other events' `revision`; here `revision` is the release label). */
  board_revision: number;
  filename: string;
}

export interface LockReleasedPayload {
  revision: number;
  filename: string;
  previous: LockInfo;
  by: string | null;
  forced: boolean;
  source: ChangeSource;
  /** A forced release's reason, when the admin gave one. */
  reason?: string;
}

export interface LockUpdatedPayload {
  revision: number;
  filename: string;
  lock: LockInfo;
  previous: LockInfo;
  /** `api`: the queue changed (wait, unwait); `disk`: the record was edited by hand. */
  source: ChangeSource;
}

export interface FilePayload {
  revision: number;
  file: FileStatus;
  /** On `file:changed`: the version number recorded for the new content, if one was. */
  version?: number;
  /** On `file:changed`: the holder whose upload or restore through the server made the change (absent: seen on disk). */
  by?: string;
}

export interface FileRemovedPayload {
  revision: number;
  filename: string;
}

/** The events that carry a revision, by name: what a `batch` may contain. */
export interface RevisionedEvents {
  'lock:acquired': LockAcquiredPayload;
  'lock:released': LockReleasedPayload;
  'lock:updated': LockUpdatedPayload;
  'file:added': FilePayload;
  'file:changed': FilePayload;
  'file:removed': FileRemovedPayload;
  'file:state': FileStatePayload;
}
export type RevisionedEventName = keyof RevisionedEvents;

/** One revisioned event as a tagged value, the element type of `batch`. */
export type RevisionedEvent = {
  [K in RevisionedEventName]: { event: K; data: RevisionedEvents[K] };
}[RevisionedEventName];

/** The board revision an event carries (`file:state` names it `board_revision`: its `revision` is the release label). */
export function boardRevisionOf(e: RevisionedEvent): number {
  return e.event === 'file:state' ? e.data.board_revision : e.data.revision;
}

export interface BatchPayload {
  events: RevisionedEvent[];
}

export type Ack<T> = ({ ok: true } & T) | ({ ok: false } & ErrorBody);
export type FileAck = Ack<{ file: FileStatus }>;

/** The answer to `nudge`: whether the holder had a page open (if not, they get it when they next open one). */
export interface NudgeBody {
  success: true;
  holder_online: boolean;
}

/** `lock:nudged`: someone asks the holder to release a file (sent to the holder's sockets). */
export interface NudgedPayload {
  filename: string;
  by: string;
  message: string | null;
  at: string;
}

/** One person's presence across the servers sharing the data folder. */
export interface PresenceEntry {
  user: string;
  online: boolean;
  /** When they were last connected (now, while online); null if never seen. */
  last_seen: string | null;
}

export interface PresenceBody {
  users: PresenceEntry[];
}

export interface ServerToClientEvents {
  snapshot: (p: SnapshotPayload) => void;
  'lock:acquired': (p: LockAcquiredPayload) => void;
  'lock:released': (p: LockReleasedPayload) => void;
  'lock:updated': (p: LockUpdatedPayload) => void;
  'file:added': (p: FilePayload) => void;
  'file:changed': (p: FilePayload) => void;
  'file:removed': (p: FileRemovedPayload) => void;
  'file:state': (p: FileStatePayload) => void;
  batch: (p: BatchPayload) => void;
  health: (p: HealthBody) => void;
  activity: (p: ActivityEvent) => void;
  'lock:nudged': (p: NudgedPayload) => void;
  presence: (p: PresenceEntry) => void;
}

export interface CheckoutCommand {
  filename: string;
  message?: string;
  /** When you mean to be done: ISO, in the future, within 365 days. */
  until?: string;
}
/** `wait` (join the queue) and `nudge` (ask the holder to release). */
export interface WaitCommand {
  filename: string;
  message?: string;
}
export interface CheckinCommand {
  filename: string;
  force?: boolean;
  /** With `force`: why (the activity entry's message, and `lock:released`'s `reason`). */
  reason?: string;
  /** Goes on the version made while the file was held, and into the activity log. */
  comment?: string;
  /** Undo check-out: the content at check-out put back, then released (holder only). */
  revert?: boolean;
}

/** Several files at once (`filenames`, 1 to 500): all or nothing. */
export interface CheckoutManyCommand {
  filenames: string[];
  message?: string;
  until?: string;
}
export interface CheckinManyCommand {
  filenames: string[];
  comment?: string;
}
export type FilesAck = Ack<{ files: FileStatus[] }>;
/** A check-in with `revert`: whether the content was put back. */
export type UndoAck = Ack<{ file: FileStatus; reverted: boolean }>;

export interface ClientToServerEvents {
  checkout: (p: CheckoutCommand | CheckoutManyCommand, ack: (a: FileAck | FilesAck) => void) => void;
  checkin: (p: CheckinCommand | CheckinManyCommand, ack: (a: FileAck | FilesAck | UndoAck) => void) => void;
  sync: (p: Record<string, never>, ack: (a: Ack<SnapshotPayload>) => void) => void;
  wait: (p: WaitCommand, ack: (a: FileAck) => void) => void;
  unwait: (p: { filename: string }, ack: (a: FileAck) => void) => void;
  nudge: (p: WaitCommand, ack: (a: Ack<NudgeBody>) => void) => void;
}

/** What the handshake may carry (`io(url, {auth})`). */
export interface HandshakeAuth {
  user?: string;
  token?: string;
}
