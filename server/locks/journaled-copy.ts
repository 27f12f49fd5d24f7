import type { LocksMap } from '../../shared/protocol.js';
import type { Logger } from '../logger.js';
import { writeFileAtomic } from './atomic-write.js';
import { diffLocks, type LockChange } from './lock-diff.js';
import { readLocksFile, signatureOf, type FileSignature } from './locks-file.js';

/**
 * `locks.journaled.json`: locks.json as the activity log last recorded it. Servers sharing a data
 * folder compare it with locks.json under the lock, so each change (theirs, another server's, a
 * hand edit) is recorded once, by whichever commit sees it first. Written without an fsync: losing
 * it only makes the next commit record a change again.
 */
export class JournaledCopy {
  /** What the journal has recorded; null = exactly the store's locks (kept without a copy). */
  private recorded: LocksMap | null = null;
  /** undefined = unknown: read the file again next time. */
  private signature: FileSignature | null | undefined;

  constructor(
    readonly file: string,
    private readonly logger?: Logger,
  ) {}

  /** Reads the copy again if it changed on disk (another server journaled); cheap otherwise. */
  async read(): Promise<void> {
    const sig = await signatureOf(this.file);
    if (this.signature !== undefined && sig === this.signature) return;
    const read = await readLocksFile(this.file);
    // No usable copy (first start): what is in locks.json now counts as recorded.
    this.recorded = read.kind === 'ok' ? read.locks : null;
    this.signature = sig;
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

  /** Recording failed: the file on disk, not memory, says what was recorded. */
  forget(): void {
    this.signature = undefined;
  }

  /** Writes the copy once the batch's changes are recorded; a failure is logged, not thrown. */
  async write(bytes: string | Buffer | readonly Buffer[]): Promise<void> {
    try {
      await writeFileAtomic(this.file, bytes, { durable: false });
      this.recorded = null;
      this.signature = await signatureOf(this.file);
    } catch (err) {
      this.forget();
      this.logger?.warn({ err }, 'writing the journaled copy of locks.json failed; the batch may be journaled again');
    }
  }
}
