import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { FailureStage } from './commit-steps.js';

/** What `/api/health` says of the store: usable, or a sentence for a person. */
export interface StoreHealth {
  ok: boolean;
  detail: string | null;
}

/**
 * The lock store's two kinds of problem and the health they make: locks.json does not parse
 * (cleared by the next good read), or the last write failed (cleared by the next good write).
 * The errors a failed commit answers are made here too, so each sentence has one home.
 */
export class StoreProblems {
  private parse: string | null = null;
  private write: string | null = null;
  /** Not a failure (locks go on): a hand edit named one file twice. */
  private note: string | null = null;
  private current: StoreHealth = { ok: true, detail: null };

  constructor(
    private readonly changed: (health: StoreHealth) => void,
    private readonly logger?: Logger,
  ) {}

  get health(): StoreHealth {
    return this.current;
  }

  /** locks.json as read is usable (null) or not (what is wrong with it). */
  parsed(problem: string | null): void {
    this.parse = problem === null ? null : `${problem}. Check-outs and check-ins are refused until it is fixed; nothing was overwritten.`;
    this.update();
  }

  /** Keys of locks.json that name one file (a hand edit in two spellings); the older lock counts. */
  duplicates(list: ReadonlyArray<{ kept: string; dropped: string }>): void {
    const shown = list.slice(0, 3).map((d) => `"${d.dropped}" is "${d.kept}"`).join('; ');
    const note = list.length === 0 ? null : `locks.json names ${list.length === 1 ? 'a file' : `${list.length} files`} twice in different spellings (${shown}${list.length > 3 ? '; …' : ''}): the older lock counts, the other is dropped at the next write.`;
    if (note !== null && note !== this.note) this.logger?.warn({ duplicates: list }, 'locks.json names one file twice');
    this.note = note;
    this.update();
  }

  /** A batch was written. */
  wrote(): void {
    this.write = null;
    this.update();
  }

  /** The commit side's failure as the callers' error; a storage failure also marks health. */
  failure(stage: FailureStage, code: string | null, message: string): AppError {
    const err = Object.assign(new Error(message), code ? { code } : {});
    if (stage === 'busy') return new AppError('LOCKS_UNAVAILABLE', `locks.json is busy: could not take its lock (${message}).`);
    if (stage === 'lost') return new AppError('LOCKS_UNAVAILABLE', `Lost the lock on locks.json before writing (${message}); nothing was changed.`);
    if (stage === 'unconfirmed') return this.unconfirmed(err);
    return this.storageError(err);
  }

  /** Nothing was written; health says the last write failed until one succeeds. */
  storageError(err: unknown): AppError {
    const e = err as NodeJS.ErrnoException;
    this.logger?.error({ err }, 'committing locks.json failed');
    this.write = `locks.json could not be written (${e.code ?? e.message}); nothing was changed.`;
    this.update();
    return new AppError('LOCKS_UNAVAILABLE', this.write);
  }

  /**
   * The rename is done but the folder could not be synced: every reader already sees the batch, so
   * "nothing was changed" would be false; the callers learn it is not confirmed durable (the store
   * takes the batch from the disk on its next read).
   */
  private unconfirmed(err: Error): AppError {
    const e = err as NodeJS.ErrnoException;
    this.logger?.error({ err }, 'syncing the data folder after writing locks.json failed');
    this.write = `locks.json was written but its folder could not be synced (${e.code ?? e.message}): the change is visible but may not survive a power cut.`;
    this.update();
    return new AppError('LOCKS_UNAVAILABLE', this.write);
  }

  /** proper-lockfile's onCompromised: the lock was lost while held. */
  compromised(message: string): void {
    this.write = `Lost the lock on locks.json (${message}); writes stopped until it is taken again.`;
    this.update();
    this.logger?.error({ err: new Error(message) }, 'the lock on locks.json was compromised');
  }

  private update(): void {
    const failure = this.parse ?? this.write;
    const detail = failure ?? this.note;
    if (this.current.detail !== detail) {
      this.current = { ok: failure === null, detail };
      this.changed(this.current);
    }
  }
}
