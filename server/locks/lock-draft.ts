import type { LockInfo, LocksMap } from '../../shared/protocol.js';
import { sameLock, type ChangeMeta, type LockChange } from './lock-diff.js';

/** The mutable view of locks.json a mutation works on; a mutation that throws leaves no trace. */
export interface LocksDraft {
  get(filename: string): LockInfo | null;
  set(filename: string, lock: LockInfo, meta: ChangeMeta): void;
  delete(filename: string, meta: ChangeMeta): void;
}

/**
 * A batch's changes, made in place on a locks map with an undo log (copying a map of 10,000 locks
 * per batch cost more than serialising it). Every set/delete is one change, in order: a check-in
 * and a check-out of the same file in one batch stay two changes (released, then acquired).
 */
export class Draft implements LocksDraft {
  private log: LockChange[] = [];
  private undone = false;
  constructor(readonly locks: LocksMap) {}

  get(filename: string): LockInfo | null {
    return Object.hasOwn(this.locks, filename) ? this.locks[filename]! : null;
  }

  set(filename: string, lock: LockInfo, meta: ChangeMeta): void {
    this.log.push({ filename, before: this.get(filename), after: lock, meta });
    this.locks[filename] = lock;
  }

  delete(filename: string, meta: ChangeMeta): void {
    this.log.push({ filename, before: this.get(filename), after: null, meta });
    delete this.locks[filename];
  }

  /** Start of one mutation; `rollback` returns to this point. */
  mark(): number {
    return this.log.length;
  }

  /** Takes back (and forgets) the changes made since `mark`. */
  rollback(mark: number): void {
    while (this.log.length > mark) this.revert(this.log.pop()!);
  }

  /** Takes back every change but keeps the log, so `redo` can make them again. */
  undo(): void {
    for (let i = this.log.length - 1; i >= 0; i--) this.revert(this.log[i]!);
    this.undone = true;
  }

  /** After `undo`: makes every change again, in order. */
  redo(): void {
    if (!this.undone) return;
    for (const c of this.log) {
      if (c.after) this.locks[c.filename] = c.after;
      else delete this.locks[c.filename];
    }
    this.undone = false;
  }

  changes(): LockChange[] {
    return this.log.filter((c) => !sameLock(c.before, c.after));
  }

  private revert(c: LockChange): void {
    if (c.before) this.locks[c.filename] = c.before;
    else delete this.locks[c.filename];
  }
}
