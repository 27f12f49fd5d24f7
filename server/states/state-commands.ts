import type { ActivityEvent, FileStatus, StateRecord } from '../../shared/protocol.js';
import { makeActivity, type ActivityLog } from '../activity/activity-log.js';
import type { Accounts } from '../auth/accounts.js';
import { foldName } from '../auth/name-fold.js';
import { AppError } from '../errors.js';
import type { FileBoard } from '../files/file-board.js';
import type { StateInput } from '../files/command-schemas.js';
import type { Caller, VaultSpelling } from '../files/file-commands.js';
import type { LockStore } from '../locks/lock-store.js';
import { checkTransition, nextRevision, startsRevision } from './state-rules.js';
import type { StateChange, StateStore } from './state-store.js';

export interface StateCommandsDeps {
  states: StateStore;
  locks: Pick<LockStore, 'get' | 'snapshot'>;
  board: Pick<FileBoard, 'statusOf' | 'indexed'>;
  activity: Pick<ActivityLog, 'append' | 'appendOnce' | 'search'>;
  spelling: VaultSpelling;
  /** `--approvers` names (besides admins), folded. */
  approvers: ReadonlySet<string>;
  /** Users mode: where a release's password is checked again, and a directory approver is found; null in open mode. */
  accounts: Pick<Accounts, 'signIn' | 'current'> | null;
  /** The file's content now, as a sha256 (what a release signs off). */
  contentSha(filename: string): Promise<string>;
}

/** The activity entry of a state change (its time is the record's, so servers log it once). */
export function stateEntry(filename: string, r: StateRecord, source: 'api' | 'disk'): ActivityEvent {
  return makeActivity({ type: 'state_changed', filename, user: r.by || null, message: r.comment, source, state: r.state, revision: r.revision, ...(r.sha256 ? { sha256: r.sha256 } : {}), ...(r.at ? { at: r.at } : {}) });
}

/** Same key = the same change, whichever server logged it. */
export const stateEntryKey = (e: ActivityEvent) => `${e.type}|${e.filename}|${e.state ?? ''}|${e.revision ?? ''}|${e.at}`;

/**
 * Release states (CONTRACT §18): the transitions and who may make them, the signature a release
 * needs in users mode, and the next revision a check-out starts.
 */
export class StateCommands {
  constructor(private readonly d: StateCommandsDeps) {}

  /** Whether `caller` may approve: an admin, named by --approvers, or in --ldap-approver-group. */
  async approver(caller: Caller): Promise<boolean> {
    if (caller.admin || this.d.approvers.has(foldName(caller.user))) return true;
    return (await this.d.accounts?.current(caller.user))?.approver === true;
  }

  /** `POST /api/files/{name}/state`. */
  async set(caller: Caller, input: StateInput): Promise<FileStatus> {
    const filename = await this.d.spelling.locate(input.filename);
    if (!this.d.board.indexed(filename)) throw new AppError('FILE_NOT_FOUND', `No tracked file named ${filename} in the vault.`);
    const problem = this.d.states.problem();
    if (problem) throw new AppError('STATES_UNAVAILABLE', `${problem}. Fix or remove states.json; locks go on meanwhile.`);
    const refuseIfHeld = () => {
      const held = this.d.locks.get(filename);
      if (held) throw new AppError('ALREADY_LOCKED', `${filename} is checked out by ${held.user}: its state changes once it is checked in.`, { lock: held });
    };
    refuseIfHeld();
    const comment = input.comment?.trim() || null;
    // Refusals before the signature: a password is not asked for a change that cannot be made.
    const approver = await this.approver(caller);
    const needs = checkTransition(this.d.states.fields(filename).state, input.state, approver, this.d.accounts !== null);
    if (needs.comment && !comment) throw new AppError('INVALID_REQUEST', `A file made ${input.state} needs a comment saying why.`);
    if (needs.signature) await this.sign(caller, input.password);
    const sha256 = input.state === 'released' ? await this.d.contentSha(filename) : undefined;
    await this.d.states.update(
      filename,
      (now) => {
        refuseIfHeld();
        const from = now ?? { state: 'draft' as const, revision: 'A' };
        checkTransition(from.state, input.state, approver, this.d.accounts !== null);
        return { state: input.state, revision: from.revision, by: caller.user, at: new Date().toISOString(), comment, ...(sha256 ? { sha256 } : {}) };
      },
      // Logged before the answer, and before another server can see states.json change.
      (after) => this.d.activity.appendOnce([stateEntry(filename, after, 'api')], stateEntryKey),
    );
    return this.d.board.statusOf(filename);
  }

  /**
   * After a check-out is committed: each of `names` that is proven, released or obsolete starts its
   * next revision as a draft (the record's time is the lock's, so a second server or a restart
   * finds it done). A states.json that does not parse leaves them for `reconcile`.
   */
  async startRevisions(names: readonly string[]): Promise<void> {
    for (const name of names) {
      const lock = this.d.locks.get(name);
      if (!lock || !startsRevision(this.d.states.fields(name).state)) continue;
      try {
        await this.d.states.update(
          name,
          (now) => (now && startsRevision(now.state) && this.d.locks.get(name) ? { state: 'draft', revision: nextRevision(now.revision), by: lock.user, at: lock.timestamp, comment: `Revision ${nextRevision(now.revision)} started by a check-out` } : null),
          (after) => this.d.activity.appendOnce([stateEntry(name, after, 'api')], stateEntryKey),
        );
      } catch (err) {
        if (!(err instanceof AppError && err.code === 'STATES_UNAVAILABLE')) throw err;
      }
    }
  }

  /**
   * Files checked out while their revision was not started (a crash between the lock and the
   * state, or a lock by hand, by another server, in a states.json that did not parse): started now.
   */
  async reconcile(): Promise<void> {
    const locks = this.d.locks.snapshot();
    const late = Object.keys(locks).filter((n) => startsRevision(this.d.states.fields(n).state));
    if (late.length > 0) await this.startRevisions(late);
  }

  /** A change seen in states.json (a hand edit, another server): logged once, whoever saw it. */
  async logged(changes: readonly StateChange[]): Promise<void> {
    const entries = changes.flatMap((c) => (c.source === 'disk' && c.after ? [stateEntry(c.filename, c.after, 'disk')] : []));
    if (entries.length > 0) await this.d.states.underLock(() => this.d.activity.appendOnce(entries, stateEntryKey));
  }

  /** `GET /api/files/{name}/states`: its state changes, newest first. */
  async changes(name: string): Promise<Array<StateRecord>> {
    const filename = await this.d.spelling.locate(name);
    const found = await this.d.activity.search({ filename, types: new Set(['state_changed']) }, 1000);
    return found
      .reverse()
      .flatMap((e) => (e.state && e.revision ? [{ state: e.state, revision: e.revision, by: e.user ?? '', at: e.at, comment: e.message, ...(e.sha256 ? { sha256: e.sha256 } : {}) }] : []));
  }

  /** The approver's password again: wrong is 401, counted like a failed sign-in by the route. */
  private async sign(caller: Caller, password: string | undefined): Promise<void> {
    if (!this.d.accounts) return;
    if (!password) throw new AppError('INVALID_REQUEST', 'A release needs your password again (an electronic signature).');
    if (!(await this.d.accounts.signIn(caller.user, password))) throw new AppError('UNAUTHENTICATED', 'The password is not right: the release was not signed.');
  }
}
