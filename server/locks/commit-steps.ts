import { dirname } from 'node:path';
import { appendDurablySync, fsyncDirectorySync, writeFileAtomicSync } from '../storage/durable-files.js';
import { lockFile } from '../storage/file-lock.js';
import { readTextFileSync } from '../storage/text-files.js';
import type { LocksMap } from '../../shared/protocol.js';
import type { LockChange } from './lock-diff.js';
import { signatureOfSync, type FileSignature } from './locks-file.js';
import { LocksText } from './locks-text.js';

/** What a batch writes, once locks.json is known to be as the store has it. */
export interface WriteJob {
  /** The store's locks before the batch, when this side's text may not mirror them. */
  base?: LocksMap;
  /** The batch's changes, in order; none: locks.json is not written. */
  changes: Array<Pick<LockChange, 'filename' | 'before' | 'after'>>;
  /** Activity log lines (one JSON object and `\n` each) appended before the answer; '' for none. */
  activity: string;
  /** Write the journaled copy (locks.json as now) after the answer, once the lines are appended. */
  journal: boolean;
}

/** One batch: take the lock, check that locks.json is what the store expects, then write. */
export interface CommitJob {
  /** locks.json's signature as the store last read or wrote it; anything else is sent back. */
  expect: FileSignature | null | undefined;
  /** Send the journaled copy back even when it is as this side last wrote it. */
  rereadJournal: boolean;
  write: WriteJob;
}

export type FailureStage = 'busy' | 'storage' | 'unconfirmed' | 'lost';

export type CommitReply =
  /**
   * Written (or nothing to write); `logError` when the activity lines could not be appended, else
   * `logAt`: the activity log's offset they start at (null: there were none).
   */
  | { kind: 'done'; signature: FileSignature | null | undefined; logError: string | null; logAt: number | null }
  /**
   * Not as expected: the files as they are, read under the lock, which is still held (`locks`
   * absent: locks.json is as expected, only the journaled copy was asked for).
   */
  | { kind: 'reread'; locks?: string | null; signature: FileSignature | null; journal: string | null; journalSignature: FileSignature | null }
  | { kind: 'failed'; stage: FailureStage; code: string | null; message: string };

/** After the answer: how writing the journaled copy and releasing the lock went. */
export interface Settled {
  journalSignature: FileSignature | null | undefined;
  journalError: string | null;
  releaseError: string | null;
}

export interface CommitStepsOptions {
  file: string;
  journaledFile: string | null;
  activityFile: string | null;
  staleMs: number;
  /** Test-only: keep the lock this long per commit, to freeze a holder on purpose. */
  debugHoldMs: number;
}

const failed = (stage: FailureStage, err: unknown): CommitReply => {
  const e = err as NodeJS.ErrnoException;
  return { kind: 'failed', stage, code: e.code ?? null, message: e.message };
};

/**
 * The file-system half of a group commit, as plain blocking calls: the lock store runs it on its
 * own thread (commit-thread.ts), so a commit's dozen steps do not each wait behind the requests
 * the main thread is handling, and that thread handles requests while the disk syncs. Steps:
 * `begin` (lock, compare, maybe `write`), `write` after a `reread`, then `finish` (the journaled
 * copy, the release) once the batch is answered.
 *
 * (A hold of the lock across consecutive batches, writing the journaled copy once per hold, was
 * measured at +8-15% check-outs/s but not kept: a server killed during a hold left the copy
 * several batches behind the log, and 5-10 of 200 kills then logged a check-out twice.)
 */
export class CommitSteps {
  private release: (() => Promise<void>) | null = null;
  private heldSince = 0;
  private compromised: Error | null = null;
  private signature: FileSignature | null | undefined;
  /** The journaled copy as this side last wrote or read it; undefined = unknown. */
  private journalSignature: FileSignature | null | undefined;
  /** The batch was logged: the journaled copy is written once it is answered. */
  private journal = false;
  /**
   * locks.json's bytes as the store's locks, kept encoded by lock so a batch encodes only what it
   * changed; null until the store sends its locks (then after a failed write or a read-back).
   */
  private text: LocksText | null = null;
  private readonly stopping = new AbortController();

  constructor(
    private readonly o: CommitStepsOptions,
    private readonly onCompromised: (message: string) => void,
  ) {}

  async begin(job: CommitJob): Promise<CommitReply> {
    this.compromised = null;
    try {
      this.release = await lockFile(this.o.file, { staleMs: this.o.staleMs, onCompromised: (err) => this.lost(err), signal: this.stopping.signal });
    } catch (err) {
      return failed((err as NodeJS.ErrnoException).code === 'ELOCKED' ? 'busy' : 'storage', err);
    }
    this.heldSince = Date.now();
    if (this.o.debugHoldMs > 0) await new Promise((r) => setTimeout(r, this.o.debugHoldMs));
    try {
      this.signature = signatureOfSync(this.o.file);
      const journal = this.o.journaledFile ? signatureOfSync(this.o.journaledFile) : null;
      const journalAsWritten = !this.o.journaledFile || (!job.rereadJournal && this.journalSignature !== undefined && journal === this.journalSignature);
      const locksAsExpected = job.expect !== undefined && this.signature === job.expect;
      if (locksAsExpected && journalAsWritten) return this.write(job.write);
      this.journalSignature = journal;
      const journalText = this.o.journaledFile ? readText(this.o.journaledFile) : null;
      const reply = { kind: 'reread', signature: this.signature, journal: journalText, journalSignature: journal } as const;
      return locksAsExpected ? reply : { ...reply, locks: readText(this.o.file) };
    } catch (err) {
      return failed('storage', err);
    }
  }

  /**
   * The server is stopping: a batch still waiting for the lock (a dead server's, up to the stale
   * period) gives up as busy, so nothing acknowledged is lost and the stop is not held up.
   */
  stopWaiting(): void {
    this.stopping.abort();
  }

  /** Writes while the lock is held (after `begin`). */
  write(job: WriteJob): CommitReply {
    let signature = this.signature;
    if (job.base) this.text = new LocksText(job.base);
    if (!this.text && (job.changes.length > 0 || job.journal)) return failed('storage', new Error('the commit side has no copy of the locks'));
    if (job.changes.length > 0 && this.text) {
      const text = this.text;
      this.text = null; // until the write succeeds
      text.apply(job.changes);
      try {
        writeFileAtomicSync(this.o.file, text.pieces(), { beforeRename: () => this.assertHeld() });
      } catch (err) {
        return this.compromised ? failed('lost', this.compromised) : failed('storage', err);
      }
      // Renamed: the file is the new text whether or not the folder sync below succeeds.
      this.text = text;
      try {
        fsyncDirectorySync(dirname(this.o.file));
      } catch (err) {
        return failed('unconfirmed', err);
      }
      // Durable now: a failed stat must not fail the batch. Unknown = read locks.json again.
      try {
        signature = signatureOfSync(this.o.file);
      } catch {
        signature = undefined;
      }
    }
    let logError: string | null = null;
    let logAt: number | null = null;
    if (job.activity && this.o.activityFile) {
      try {
        logAt = appendDurablySync(this.o.activityFile, job.activity);
      } catch (err) {
        logError = (err as Error).message;
      }
    }
    if (logError === null) this.journal = job.journal;
    else {
      // Not in the log: the copy stays as it is and is read back next time.
      this.journal = false;
      this.journalSignature = undefined;
    }
    return { kind: 'done', signature, logError, logAt };
  }

  /** Writes the journaled copy (when the batch's lines were appended) and releases the lock. */
  async finish(): Promise<Settled> {
    let journalError: string | null = null;
    if (this.journal && this.o.journaledFile && this.text) {
      try {
        // Without an fsync: losing it only makes the next commit record a change again.
        writeFileAtomicSync(this.o.journaledFile, this.text.pieces(), { durable: false });
        this.journalSignature = signatureOfSync(this.o.journaledFile);
      } catch (err) {
        this.journalSignature = undefined;
        journalError = (err as Error).message;
      }
    }
    this.journal = false;
    let releaseError: string | null = null;
    const release = this.release;
    this.release = null;
    if (release) await release().catch((err: unknown) => (releaseError = (err as Error).message));
    return { journalSignature: this.journalSignature, journalError, releaseError };
  }

  private assertHeld(): void {
    // A hold this long means this process was frozen or starved past half the stale period:
    // another process may have taken the lock over, so do not write (even before proper-lockfile's
    // own timer has noticed).
    if (!this.compromised && Date.now() - this.heldSince > this.o.staleMs / 2) {
      this.compromised = new Error(`held the lock for ${Date.now() - this.heldSince} ms`);
    }
    if (this.compromised) throw this.compromised;
  }

  private lost(err: Error): void {
    // The default throws from a timer and kills the process; we stop committing and report instead.
    this.compromised = err;
    this.onCompromised(err.message);
  }
}

function readText(file: string): string | null {
  try {
    return readTextFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
