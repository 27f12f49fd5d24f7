import type { FileStatus, UndoBody } from '../../shared/protocol.js';
import { AppError } from '../errors.js';
import type { LockStore } from '../locks/lock-store.js';
import type { VersionContent } from './version-content.js';
import type { VaultLayout } from '../vault/vault-paths.js';
import type { Caller, CheckinInput, FileCommands } from '../files/file-commands.js';

/**
 * Undo check-out: the holder's file back at its content when it was checked out, then released
 * (`undo_checkout`). Only the lock that was looked at is released: one taken anew meanwhile is
 * left alone (NOT_LOCKED).
 */
export class UndoCheckout {
  constructor(
    private readonly layout: VaultLayout,
    private readonly store: LockStore,
    private readonly commands: FileCommands,
    private readonly content: VersionContent,
  ) {}

  /** A check-in of one file as HTTP and sockets take it: `revert` undoes the check-out instead. */
  async checkinOrUndo(caller: Caller, input: CheckinInput & { revert?: boolean | undefined }): Promise<{ file: FileStatus; reverted?: boolean }> {
    if (!input.revert) return { file: await this.commands.checkin(caller, input) };
    if (input.force) throw new AppError('INVALID_REQUEST', 'Invalid request: revert and force cannot be combined (only the holder can undo a check-out).');
    return this.undo(caller, input.filename);
  }

  async undo(caller: Caller, asked: string): Promise<Omit<UndoBody, 'success'>> {
    const filename = await this.commands.name(asked);
    // The lock as locks.json has it now (one stat when nothing changed): taken again through
    // another server a moment ago, it has a time this server's watcher has not seen yet, and the
    // content at check-out is found by that time.
    await this.store.refresh();
    const lock = this.store.get(filename);
    if (!lock) throw new AppError('NOT_LOCKED', `${filename} is not checked out: there is nothing to undo.`);
    if (lock.user !== caller.user) throw new AppError('NOT_LOCK_OWNER', `${filename} is checked out by ${lock.user}, not by ${caller.user}: only the holder can undo a check-out.`, { lock });
    // The revert and the release in one turn: an upload waiting for its turn finds the file
    // released (NOT_LOCKED) instead of replacing it after the undo was answered.
    const done = await this.content.turn(filename, async () => {
      const reverted = await this.content.revertTo(caller, filename, lock);
      const file = await this.commands.checkin(caller, { filename, undo: true }, (held) => held.user === lock.user && held.timestamp === lock.timestamp);
      return { file, reverted };
    });
    await this.content.published(filename);
    return done;
  }
}
