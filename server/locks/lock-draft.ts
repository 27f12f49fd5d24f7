import type { LockInfo, LocksMap } from '../../shared/protocol.js';
import { sameLock, type ChangeMeta, type LockChange } from './lock-diff.js';

/** The mutable view of locks.json a mutation works on; a mutation that throws leaves no trace. */
export interface LocksDraft {
  get(filename: string): LockInfo | null;
  set(filename: string, lock: LockInfo, meta: ChangeMeta): void;
  delete(filename: string, meta: ChangeMeta): void;
}

/**
 * A batch's working copy. Every set/delete is one change, in order: a check-in and a check-out of
 * the same file in one batch stay two changes (released, then acquired), never merged into one.
 */
export class Draft implements LocksDraft {
  private log: LockChange[] = [];
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

  rollback(mark: number): void {
    while (this.log.length > mark) {
      const c = this.log.pop()!;
      if (c.before) this.locks[c.filename] = c.before;
      else delete this.locks[c.filename];
    }
  }

  changes(): LockChange[] {
    return this.log.filter((c) => !sameLock(c.before, c.after));
  }
}
