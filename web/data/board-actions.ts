import type { ErrorBody, HistoryBody, ReleaseState, StateRecord, Version } from '../../shared/protocol.js';
import { setState, stateChanges } from './states-api.js';
import { activityPage, fileHistory, type ActivityFilters } from './history-api.js';
import type { LiveConnection } from './live-connection.js';
import { listVersions, restoreVersion, uploadVersion, type Upload } from './versions-api.js';

/**
 * What the dialogs ask of the server. Each answers the refusal to show in the dialog, or null
 * when it is done, so a dialog owns its request's state (busy, error, progress) itself.
 */
export interface BoardActions {
  /** One file, or several at once (all or nothing). */
  checkout(filenames: string[], message: string, until?: string): Promise<string | null>;
  /** Joins a held file's queue; the message becomes the check-out's when it is handed over. */
  wait(filename: string, message: string): Promise<string | null>;
  /** One file, or several of yours at once. */
  checkin(filenames: string[], comment: string): Promise<string | null>;
  /** Undo check-out: the content at check-out put back, then released. */
  undo(filename: string): Promise<string | null>;
  forceRelease(filename: string, reason: string): Promise<string | null>;
  upload(filename: string, file: Blob, progress: (fraction: number) => void): Upload;
  versions(filename: string): Promise<Version[]>;
  restore(filename: string, number: number): Promise<string | null>;
  history(filename: string): Promise<HistoryBody>;
  /** Gives a file a release state (a comment where needed; a password for a release in users mode). */
  setState(filename: string, state: ReleaseState, comment: string, password: string): Promise<string | null>;
  /** A file's release state changes, newest first. */
  states(filename: string): Promise<StateRecord[]>;
  activity(filters: ActivityFilters, before: string | null): ReturnType<typeof activityPage>;
}

const held = (locks: NonNullable<ErrorBody['locks']>) =>
  Object.entries(locks)
    .slice(0, 5)
    .map(([name, lock]) => `${name} (${lock.user})`)
    .join(', ');

/** The actions over the page's one connection; `openModeUser` names the caller in open mode (HTTP calls). */
export function boardActions(conn: LiveConnection, openModeUser: () => string | null): BoardActions {
  return {
    async checkout(filenames, message, until) {
      if (filenames.length > 1) {
        const ack = await conn.checkoutMany(filenames, message || undefined, until);
        if (ack.ok) return null;
        return ack.code === 'ALREADY_LOCKED' && ack.locks ? `Nothing was checked out: ${held(ack.locks)} ${Object.keys(ack.locks).length === 1 ? 'is' : 'are'} checked out already.` : ack.detail;
      }
      const filename = filenames[0] ?? '';
      const ack = await conn.checkout(filename, message || undefined, until);
      if (ack.ok) return null;
      if (ack.code === 'ALREADY_LOCKED' && ack.lock) return `Someone was faster: ${filename} is checked out by ${ack.lock.user}${ack.lock.message ? ` ("${ack.lock.message}")` : ''}.`;
      return ack.detail;
    },
    async wait(filename, message) {
      const ack = await conn.wait(filename, true, message || undefined);
      return ack.ok ? null : ack.detail;
    },
    async checkin(filenames, comment) {
      const ack = filenames.length > 1 ? await conn.checkinMany(filenames, comment || undefined) : await conn.checkin(filenames[0] ?? '', false, comment || undefined);
      return ack.ok ? null : ack.detail;
    },
    async undo(filename) {
      const ack = await conn.undo(filename);
      return ack.ok ? null : ack.detail;
    },
    async forceRelease(filename, reason) {
      const ack = await conn.checkin(filename, true, undefined, reason);
      return ack.ok ? null : ack.detail;
    },
    upload: (filename, file, progress) => uploadVersion(filename, file, openModeUser(), progress),
    versions: (filename) => listVersions(filename, openModeUser()),
    restore: (filename, number) => restoreVersion(filename, number, openModeUser()),
    history: (filename) => fileHistory(filename),
    setState: (filename, state, comment, password) => setState(filename, state, comment, password, openModeUser()),
    states: (filename) => stateChanges(filename),
    activity: (filters, before) => activityPage(filters, before),
  };
}
