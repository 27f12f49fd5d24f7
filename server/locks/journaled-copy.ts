import type { LocksMap } from '../../shared/protocol.js';
import type { Logger } from '../logger.js';
import type { Settled } from './commit-steps.js';
import { diffLocks, type LockChange } from './lock-diff.js';
import { parseLocksText, readLocksFile, signatureOf, type FileSignature } from './locks-file.js';

/**
 * `locks.journaled.json`: locks.json as the activity log last recorded it. Servers sharing a data
 * folder compare it with locks.json under the lock, so each change (theirs, another server's, a
 * hand edit) is recorded once, by whichever commit sees it first. The commit thread writes it
 * (without an fsync: losing it only makes the next commit record a change again); this is what
 * the store knows of it.
 */
export class JournaledCopy {
  /** What the journal has recorded; null = exactly the store's locks (kept without a copy). */
  private recorded: LocksMap | null = null;
  /** undefined = unknown: read the file again next time. */
  private signature: FileSignature | null | undefined;

  constructor(readonly file: string) {}

  /** Reads the copy again if it changed on disk (another server journaled); cheap otherwise. */
  async read(): Promise<void> {
    const sig = await signatureOf(this.file);
    if (this.signature !== undefined && sig === this.signature) return;
    const read = await readLocksFile(this.file);
    this.take(read.kind === 'ok' ? read.locks : null, sig);
  }

  /** The copy as the commit thread read it back under the lock (ignored when unchanged, as in read). */
  adopt(text: string | null, sig: FileSignature | null): void {
    if (this.signature !== undefined && sig === this.signature) return;
    const read = parseLocksText(text);
    this.take(read.kind === 'ok' ? read.locks : null, sig);
  }

  /** Whether a commit must read the copy back under the lock: known drift, or lost track of it. */
  unsure(): boolean {
    return this.recorded !== null || this.signature === undefined;
  }

  /** The store replaced its map with one read from disk: the old map stands for what was recorded. */
  replaced(previous: LocksMap): void {
    this.recorded ??= previous;
  }

  /** Changes in `locks` that the journal has not recorded (another process's, or a hand edit). */
  drift(locks: LocksMap): LockChange[] {
    if (this.recorded === null) return [];
    const drift = diffLocks(this.recorded, locks);
    if (drift.length === 0) this.recorded = null;
    return drift;
  }

  /** The journal has recorded the store's locks (a batch's lines were appended). */
  caughtUp(): void {
    this.recorded = null;
  }

  /** The commit thread wrote the copy; this is its signature. */
  written(sig: FileSignature | null): void {
    this.signature = sig;
  }

  /** Recording failed: the file on disk, not memory, says what was recorded. */
  forget(): void {
    this.signature = undefined;
  }

  private take(locks: LocksMap | null, sig: FileSignature | null): void {
    // No usable copy (first start): what is in locks.json now counts as recorded.
    this.recorded = locks;
    this.signature = sig;
  }

  /** The commit side wrote the copy after a batch (or could not: then the next commit reads it back). */
  settled(s: Settled, logger: Logger | undefined): void {
    if (s.journalError) {
      this.forget();
      logger?.warn({ err: new Error(s.journalError) }, 'writing the journaled copy of locks.json failed; the batch may be journaled again');
    } else if (s.journalSignature !== undefined) this.written(s.journalSignature);
  }
}
