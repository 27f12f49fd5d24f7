import type { LockInfo, LocksMap } from '../../shared/protocol.js';
import { sameLock, type ChangeMeta, type LockChange } from './lock-diff.js';

/** The mutable view of locks.json a mutation works on; a mutation that throws leaves no trace. */
export interface LocksDraft {
  get(filename: string): LockInfo | null;
  set(filename: string, lock: LockInfo, meta: ChangeMeta): void;
  delete(filename: string, meta: ChangeMeta): void;
}

type Touched = Map<string, { before: LockInfo | null; meta: ChangeMeta }>;

/** A batch's working copy with an undo log, so each mutation in a batch succeeds or fails alone. */
export class Draft implements LocksDraft {
  readonly touched: Touched = new Map();
  private undo: Array<[string, LockInfo | undefined]> = [];
  constructor(readonly locks: LocksMap) {}
  get(filename: string): LockInfo | null {
    return Object.hasOwn(this.locks, filename) ? this.locks[filename]! : null;
  }
  set(filename: string, lock: LockInfo, meta: ChangeMeta): void {
    this.remember(filename, meta);
    this.locks[filename] = lock;
  }
  delete(filename: string, meta: ChangeMeta): void {
    this.remember(filename, meta);
    delete this.locks[filename];
  }
  private remember(filename: string, meta: ChangeMeta): void {
    this.undo.push([filename, this.locks[filename]]);
    const t = this.touched.get(filename);
    this.touched.set(filename, { before: t ? t.before : this.get(filename), meta });
  }
  /** Start of one mutation; `rollback` returns to this point. */
  mark(): number {
    return this.undo.length;
  }
  rollback(mark: number, touchedBefore: Touched): void {
    while (this.undo.length > mark) {
      const [name, prev] = this.undo.pop()!;
      if (prev === undefined) delete this.locks[name];
      else this.locks[name] = prev;
    }
    this.touched.clear();
    for (const [k, v] of touchedBefore) this.touched.set(k, v);
  }
  changes(): LockChange[] {
    const out: LockChange[] = [];
    for (const [filename, { before, meta }] of this.touched) {
      const after = this.get(filename);
      if (!sameLock(before, after)) out.push({ filename, before, after, meta });
    }
    return out;
  }
}

