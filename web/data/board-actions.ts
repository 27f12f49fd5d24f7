import type { Version } from '../../shared/protocol.js';
import type { LiveConnection } from './live-connection.js';
import { listVersions, restoreVersion, uploadVersion, type Upload } from './versions-api.js';

/**
 * What the dialogs ask of the server. Each answers the refusal to show in the dialog, or null
 * when it is done, so a dialog owns its request's state (busy, error, progress) itself.
 */
export interface BoardActions {
  checkout(filename: string, message: string, until?: string): Promise<string | null>;
  checkin(filename: string, comment: string): Promise<string | null>;
  upload(filename: string, file: Blob, progress: (fraction: number) => void): Upload;
  versions(filename: string): Promise<Version[]>;
  restore(filename: string, number: number): Promise<string | null>;
}

/** The actions over the page's one connection; `openModeUser` names the caller in open mode (HTTP calls). */
export function boardActions(conn: LiveConnection, openModeUser: () => string | null): BoardActions {
  return {
    async checkout(filename, message, until) {
      const ack = await conn.checkout(filename, message || undefined, until);
      if (ack.ok) return null;
      if (ack.code === 'ALREADY_LOCKED' && ack.lock) return `Someone was faster: ${filename} is checked out by ${ack.lock.user}${ack.lock.message ? ` ("${ack.lock.message}")` : ''}.`;
      return ack.detail;
    },
    async checkin(filename, comment) {
      const ack = await conn.checkin(filename, false, comment || undefined);
      return ack.ok ? null : ack.detail;
    },
    upload: (filename, file, progress) => uploadVersion(filename, file, openModeUser(), progress),
    versions: (filename) => listVersions(filename, openModeUser()),
    restore: (filename, number) => restoreVersion(filename, number, openModeUser()),
  };
}
