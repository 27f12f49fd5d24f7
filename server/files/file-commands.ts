import type { FileStatus, LockInfo, QueueEntry } from '../../shared/protocol.js';
import { handOff, MAX_QUEUE, queueOf, withQueue } from './queue.js';
import { CommandBudgets } from './command-budgets.js';
import { AppError } from '../errors.js';
import type { LocksDraft, LockStore } from '../locks/lock-store.js';
import type { ChangeMeta } from '../locks/lock-diff.js';
import { fileNotFound, statTracked, vaultPath, type VaultFileStat, type VaultLayout } from '../vault/vault-paths.js';
import type { FileBoard } from './file-board.js';

/** Who is asking, as established by the HTTP or socket layer. */
export interface Caller {
  user: string;
  admin: boolean;
  /** Users mode: the session, for sign-out. */
  sid?: string;
  /** Who pays for the command (CommandBudgets): `user:NAME`, or `address:IP` in open mode. */
  client?: string;
}

export interface CheckoutInput {
  filename: string;
  message?: string | undefined;
  /** When the holder means to be done (validated by the schema). */
  until?: string | undefined;
  /** Extra fields for the record (e.g. a Git LFS lock id); never from a request body. */
  extra?: (timestamp: string) => Record<string, unknown>;
}

export interface WaitInput {
  filename: string;
  message?: string | undefined;
}

export interface CheckinInput {
  filename: string;
  force?: boolean | undefined;
  /** With `force`: why. */
  reason?: string | undefined;
  comment?: string | undefined;
  /** The holder undoes the check-out (the content was put back first: UndoCheckout). */
  undo?: boolean;
}

/**
 * Check-out, check-in and the queue: the same rules whether they arrive over HTTP, a socket or
 * Git LFS. A release hands the file over to the first waiter in the same write.
 */
export class FileCommands {
  /**
   * @param known whether a waiter may still get a file (users mode: still in the users file or
   * the directory); one who is not is skipped at hand-off.
   */
  constructor(
    private readonly layout: VaultLayout,
    private readonly store: LockStore,
    private readonly board: FileBoard,
    private readonly known: (user: string) => boolean = () => true,
    /** The file a valid name means, as spelled on disk (see VaultIndex.locate). */
    private readonly spelled: VaultSpelling = identitySpelling,
    private readonly content: ContentKeeper = keepsNothing,
    private readonly budgets: CommandBudgets = new CommandBudgets(null),
    /**
     * After a check-out (or a hand-off) is committed, before it is answered: release states start
     * the next revision of a file that was proven, released or obsolete.
     */
    private readonly afterCheckout: (names: string[]) => Promise<void> = () => Promise.resolve(),
  ) {}

  /** Read one file's status, by the same name rules as the commands. */
  get(filename: unknown): FileStatus {
    vaultPath(this.layout, filename);
    const name = this.spelled.now(filename as string);
    const status = this.board.status(name);
    if (!status || status.size_bytes === null) throw notFound(filename as string);
    return status;
  }

  /** A checked name in the disk's spelling: every command starts here (and undo, nudges, Git LFS). */
  async name(filename: string): Promise<string> {
    vaultPath(this.layout, filename);
    // The index knows it (as spelled, or in another spelling): no disk look-up.
    const known = this.spelled.now(filename);
    if (known !== filename || this.board.indexed(known)) return known;
    return this.spelled.locate(filename);
  }

  async checkout(caller: Caller, input: CheckoutInput): Promise<FileStatus> {
    this.budgets.spend(caller, 1);
    const filename = await this.name(input.filename);
    const stat = await this.stat(filename);
    if (!stat) throw notFound(filename);
    const kept = this.keepAtCheckout([filename]);
    await this.store.mutate((draft) => {
      const held = draft.get(filename);
      if (held) {
        throw new AppError('ALREADY_LOCKED', `${filename} is already checked out by ${held.user}${held.message ? ` ("${held.message}")` : ''}.`, { lock: held });
      }
      const timestamp = new Date().toISOString();
      draft.set(filename, { ...newLock(caller, input, timestamp), ...input.extra?.(timestamp) }, { by: caller.user });
    });
    await kept();
    await this.afterCheckout([filename]);
    return this.statusAfterCommit(filename, stat);
  }

  /**
   * Check-in. `expect` lets a caller release only the lock it looked at (Git LFS unlocks by id):
   * when the lock changed meanwhile, NOT_LOCKED.
   */
  async checkin(caller: Caller, input: CheckinInput, expect?: (held: LockInfo) => boolean): Promise<FileStatus> {
    this.budgets.spend(caller, 1);
    const filename = await this.name(input.filename);
    const stat = await this.stat(filename);
    const exists = stat !== null;
    const before = this.store.get(filename);
    // The holder's last save is theirs and carries the comment (an undo put the content back
    // itself). Only for a check-in that can go through: a refused one costs no record.
    if (before && exists && !input.undo && (before.user === caller.user || (input.force === true && caller.admin))) await this.content.releasing(filename, before.user);
    const released = new Map<string, LockInfo>();
    await this.store.mutate((draft) => {
      const held = draft.get(filename);
      if (!held) throw exists ? new AppError('NOT_LOCKED', `${filename} is not checked out.`) : notFound(filename);
      if (expect && !expect(held)) throw new AppError('NOT_LOCKED', `The lock on ${filename} was released or replaced meanwhile.`);
      const forced = held.user !== caller.user;
      if (forced && !input.force) {
        throw new AppError('NOT_LOCK_OWNER', `${filename} is checked out by ${held.user}, not by ${caller.user}.`, { lock: held });
      }
      if (forced && !caller.admin) throw new AppError('FORBIDDEN', `Only an admin may force the release of ${held.user}'s lock.`);
      this.release(draft, filename, held, { by: caller.user, forced, comment: input.comment ?? null, ...(forced && input.reason ? { reason: input.reason } : {}), ...(input.undo && !forced ? { undo: true } : {}) });
      released.set(filename, held);
    });
    await this.afterRelease([filename], released, input.comment ?? null);
    return this.statusAfterCommit(filename, stat);
  }

  /**
   * Several files checked out in one write, all or nothing: any missing is FILE_NOT_FOUND with
   * `missing`, any held (by anyone, the caller too) ALREADY_LOCKED with their `locks`.
   */
  async checkoutMany(caller: Caller, asked: { filenames: string[]; message?: string | undefined; until?: string | undefined }): Promise<FileStatus[]> {
    this.budgets.spend(caller, asked.filenames.length);
    const input = { ...asked, filenames: await this.spellAll(asked.filenames) };
    const stats = await Promise.all(input.filenames.map((f) => this.stat(f)));
    const missing = input.filenames.filter((_, i) => !stats[i]);
    if (missing.length > 0) throw new AppError('FILE_NOT_FOUND', `No tracked file named ${listed(missing)} in the vault.`, { missing });
    const kept = this.keepAtCheckout(input.filenames);
    await this.store.mutate((draft) => {
      const locks = Object.fromEntries(input.filenames.flatMap((f) => (draft.get(f) ? [[f, draft.get(f)!]] : [])));
      const held = Object.keys(locks);
      if (held.length > 0) throw new AppError('ALREADY_LOCKED', `${listed(held.map((f) => `${f} (${locks[f]!.user})`))} ${held.length === 1 ? 'is' : 'are'} already checked out: nothing was checked out.`, { locks });
      const timestamp = new Date().toISOString();
      for (const f of input.filenames) draft.set(f, newLock(caller, input, timestamp), { by: caller.user });
    });
    await kept();
    await this.afterCheckout(input.filenames);
    return input.filenames.map((f, i) => this.statusAfterCommit(f, stats[i]!));
  }

  /** Several of the caller's files checked in in one write (each handed over if someone waits); else nothing changes. */
  async checkinMany(caller: Caller, asked: { filenames: string[]; comment?: string | undefined }): Promise<FileStatus[]> {
    this.budgets.spend(caller, asked.filenames.length);
    const input = { ...asked, filenames: await this.spellAll(asked.filenames) };
    const stats = await Promise.all(input.filenames.map((f) => this.stat(f)));
    await Promise.all(input.filenames.filter((f, i) => stats[i] && this.store.get(f)?.user === caller.user).map((f) => this.content.releasing(f, caller.user)));
    const released = new Map<string, LockInfo>();
    await this.store.mutate((draft) => {
      released.clear();
      for (const f of input.filenames) {
        const held = draft.get(f);
        if (!held) throw new AppError('NOT_LOCKED', `${f} is not checked out: nothing was checked in.`);
        if (held.user !== caller.user) throw new AppError('NOT_LOCK_OWNER', `${f} is checked out by ${held.user}, not by ${caller.user}: nothing was checked in.`, { lock: held });
      }
      for (const f of input.filenames) {
        released.set(f, draft.get(f)!);
        this.release(draft, f, draft.get(f)!, { by: caller.user, forced: false, comment: input.comment ?? null });
      }
    });
    await this.afterRelease(input.filenames, released, input.comment ?? null);
    return input.filenames.map((f, i) => this.statusAfterCommit(f, stats[i] ?? null));
  }

  /** Joins the queue of a file someone else holds (twice changes nothing). */
  async wait(caller: Caller, input: WaitInput): Promise<FileStatus> {
    this.budgets.spend(caller, 1);
    const filename = await this.name(input.filename);
    const stat = await this.stat(filename);
    await this.store.mutate((draft) => {
      const held = draft.get(filename);
      if (!held) throw stat ? new AppError('NOT_LOCKED', `${filename} is not checked out: check it out instead.`) : notFound(filename);
      if (held.user === caller.user) throw new AppError('ALREADY_LOCKED', `You hold ${filename} already.`, { lock: held });
      const queue = this.readableQueue(filename, held);
      if (queue.some((w) => w.user === caller.user)) return;
      if (queue.length >= MAX_QUEUE) throw new AppError('INVALID_REQUEST', `The queue for ${filename} is full (${MAX_QUEUE} people).`);
      draft.set(filename, withQueue(held, [...queue, { user: caller.user, since: new Date().toISOString(), message: input.message ?? '' }]), { by: caller.user, queue: 'joined' });
    });
    return this.statusAfterCommit(filename, stat);
  }

  /** Leaves the queue (a caller who is not in it, or a file nobody holds: nothing changes). */
  async unwait(caller: Caller, input: { filename: string }): Promise<FileStatus> {
    this.budgets.spend(caller, 1);
    const filename = await this.name(input.filename);
    const stat = await this.stat(filename);
    if (!stat && !this.store.get(filename)) throw notFound(filename);
    await this.store.mutate((draft) => {
      const held = draft.get(filename);
      if (!held) return;
      const queue = this.readableQueue(filename, held);
      if (!queue.some((w) => w.user === caller.user)) return;
      draft.set(filename, withQueue(held, queue.filter((w) => w.user !== caller.user)), { by: caller.user, queue: 'left' });
    });
    return this.statusAfterCommit(filename, stat);
  }

  /**
   * The content a check-out starts from, kept before it is answered: asked for while the lock is
   * committed (the two take turns on different threads), for files nobody holds now (a file held
   * by someone may hold their unsaved-yet edits). Resolves with a step to await after the commit.
   */
  private keepAtCheckout(names: string[]): () => Promise<void> {
    const free = names.filter((f) => this.store.get(f) === null);
    const early = this.content.checkedOut(free);
    return async () => {
      await early;
      const rest = names.filter((f) => !free.includes(f));
      if (rest.length > 0) await this.content.checkedOut(rest);
    };
  }

  /** The comments kept, and the content a hand-off's new holder starts from. */
  private async afterRelease(names: string[], released: ReadonlyMap<string, LockInfo>, comment: string | null): Promise<void> {
    await Promise.all([...released].map(([f, held]) => this.content.released(f, held, comment)));
    const handedOver = names.filter((f) => this.store.get(f) !== null);
    if (handedOver.length > 0) {
      await this.content.checkedOut(handedOver);
      await this.afterCheckout(handedOver);
    }
  }

  /** Several names spelled; two spellings of one file are one name (asked once). */
  private async spellAll(filenames: string[]): Promise<string[]> {
    const spelled = await Promise.all(filenames.map((f) => this.name(f)));
    const dup = spelled.find((f, i) => spelled.indexOf(f) !== i);
    if (dup !== undefined) throw new AppError('INVALID_REQUEST', `${dup} is named twice (in two spellings): name each file once.`);
    return spelled;
  }

  /** Releases `held` and, in the same write, hands the file over to the first waiter (if any). */
  private release(draft: LocksDraft, filename: string, held: LockInfo, meta: ChangeMeta): void {
    draft.delete(filename, meta);
    const next = handOff(held, new Date().toISOString(), this.known);
    if (next) draft.set(filename, next, { by: meta.by, handoff: true });
  }

  private readableQueue(filename: string, held: LockInfo): QueueEntry[] {
    const queue = queueOf(held);
    if (!queue) throw new AppError('INVALID_REQUEST', `The queue of ${filename} in locks.json was edited by hand and cannot be read: fix it there first.`);
    return queue;
  }

  /**
   * The file's size and time: from the vault index when it has the file (no file-system call:
   * lstat plus realpath were 15% of the server's CPU under check-outs), else from the disk (the
   * watcher may not have reported a file created a moment ago). Checks the name either way.
   */
  private async stat(filename: string): Promise<VaultFileStat | null> {
    return this.board.indexed(filename) ?? (await statTracked(this.layout, vaultPath(this.layout, filename)));
  }

  // The watcher may not have seen a file that was just created: trust the stat we took.
  private statusAfterCommit(filename: string, stat: VaultFileStat | null): FileStatus {
    // Null for a lock released on a file that is gone: then it is an available file of no size.
    return this.board.statusOf(filename, stat);
  }
}

const notFound = fileNotFound;

/** How commands learn a file's spelling on disk (VaultIndex.spelling and .locate). */
export interface VaultSpelling {
  /** From the index alone. */
  now(name: string): string;
  /** From the index, else from the disk (a file not indexed yet). */
  locate(name: string): Promise<string>;
}

/**
 * What commands ask of the file's content around a lock change, before they answer (versions:
 * see server/versions/content-keeper.ts; nothing when commands are built alone).
 */
export interface ContentKeeper {
  /** Keeps the content the new holders start from. */
  checkedOut(names: string[]): Promise<void>;
  /** Before a release: the holder's save still settling is waited for and kept as theirs. */
  releasing(name: string, holder: string): Promise<void>;
  /** After a release: the check-in's comment on the holder's newest version, durably. */
  released(name: string, held: LockInfo, comment: string | null): Promise<void>;
}

const keepsNothing: ContentKeeper = { checkedOut: () => Promise.resolve(), releasing: () => Promise.resolve(), released: () => Promise.resolve() };

/** An exact vault: every name is its own spelling. */
export const identitySpelling: VaultSpelling = { now: (n) => n, locate: (n) => Promise.resolve(n) };

/** A new lock record for a check-out. */
function newLock(caller: Caller, input: { message?: string | undefined; until?: string | undefined }, timestamp: string): LockInfo {
  return { user: caller.user, timestamp, message: input.message ?? '', ...(input.until ? { until: input.until } : {}) };
}

/** `a, b, c, d, e and 3 more`: names in a sentence, at most five of them. */
function listed(names: string[]): string {
  return `${names.slice(0, 5).join(', ')}${names.length > 5 ? ` and ${names.length - 5} more` : ''}`;
}
