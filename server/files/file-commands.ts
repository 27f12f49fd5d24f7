import type { FileStatus, LockInfo } from '../../shared/protocol.js';
import { AppError } from '../errors.js';
import type { LockStore } from '../locks/lock-store.js';
import { fileNotFound, statTracked, vaultPath, type VaultFileStat, type VaultLayout } from '../vault/vault-paths.js';
import type { FileBoard } from './file-board.js';

/** Who is asking, as established by the HTTP or socket layer. */
export interface Caller {
  user: string;
  admin: boolean;
  /** Users mode: the session, for sign-out. */
  sid?: string;
}

export interface CheckoutInput {
  filename: string;
  message?: string | undefined;
  /** Extra fields for the record (e.g. a Git LFS lock id); never from a request body. */
  extra?: (timestamp: string) => Record<string, unknown>;
}

export interface CheckinInput {
  filename: string;
  force?: boolean | undefined;
  comment?: string | undefined;
}

/** Check-out and check-in: the same rules whether they arrive over HTTP or a socket. */
export class FileCommands {
  constructor(
    private readonly layout: VaultLayout,
    private readonly store: LockStore,
    private readonly board: FileBoard,
  ) {}

  /** Read one file's status, by the same name rules as the commands. */
  get(filename: unknown): FileStatus {
    vaultPath(this.layout, filename);
    const status = this.board.status(filename as string);
    if (!status || status.size_bytes === null) throw notFound(filename as string);
    return status;
  }

  async checkout(caller: Caller, input: CheckoutInput): Promise<FileStatus> {
    const { filename } = input;
    const stat = await this.stat(filename);
    if (!stat) throw notFound(filename);
    await this.store.mutate((draft) => {
      const held = draft.get(filename);
      if (held) {
        throw new AppError('ALREADY_LOCKED', `${filename} is already checked out by ${held.user}${held.message ? ` ("${held.message}")` : ''}.`, { lock: held });
      }
      const timestamp = new Date().toISOString();
      draft.set(filename, { user: caller.user, timestamp, message: input.message ?? '', ...input.extra?.(timestamp) }, { by: caller.user });
    });
    return this.statusAfterCommit(filename, stat);
  }

  /**
   * Check-in. `expect` lets a caller release only the lock it looked at (Git LFS unlocks by id):
   * when the lock changed meanwhile, NOT_LOCKED.
   */
  async checkin(caller: Caller, input: CheckinInput, expect?: (held: LockInfo) => boolean): Promise<FileStatus> {
    const { filename } = input;
    const stat = await this.stat(filename);
    const exists = stat !== null;
    await this.store.mutate((draft) => {
      const held = draft.get(filename);
      if (!held) throw exists ? new AppError('NOT_LOCKED', `${filename} is not checked out.`) : notFound(filename);
      if (expect && !expect(held)) throw new AppError('NOT_LOCKED', `The lock on ${filename} was released or replaced meanwhile.`);
      const forced = held.user !== caller.user;
      if (forced && !input.force) {
        throw new AppError('NOT_LOCK_OWNER', `${filename} is checked out by ${held.user}, not by ${caller.user}.`, { lock: held });
      }
      if (forced && !caller.admin) throw new AppError('FORBIDDEN', `Only an admin may force the release of ${held.user}'s lock.`);
      draft.delete(filename, { by: caller.user, forced, comment: input.comment ?? null });
    });
    return this.statusAfterCommit(filename, stat);
  }

  /**
   * The file's size and time: from the vault index when it has the file (no file-system call:
   * lstat plus realpath were 15% of the server's CPU under check-outs), else from the disk (the
   * watcher may not have reported a file created a moment ago). Checks the name either way.
   */
  private async stat(filename: string): Promise<VaultFileStat | null> {
    const abs = vaultPath(this.layout, filename);
    return this.board.indexed(filename) ?? (await statTracked(this.layout, abs));
  }

  // The watcher may not have seen a file that was just created: trust the stat we took.
  private statusAfterCommit(filename: string, stat: VaultFileStat | null): FileStatus {
    // Null for a lock released on a file that is gone: then it is an available file of no size.
    return this.board.statusOf(filename, stat);
  }
}

const notFound = fileNotFound;
