import type { ActivityEvent, LocksMap } from '../../shared/protocol.js';
import type { LockChange } from './lock-diff.js';
import type { Journal } from './store-options.js';
import { Draft, type LocksDraft } from './lock-draft.js';

export type Mutation<T> = (draft: LocksDraft) => T;

/** A queued mutation and the promise waiting for its batch. */
export interface Pending {
  run: Mutation<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Runs each mutation of the batch on `locks` (in place, through a draft); one that throws is rolled back alone. */
export function applyBatch(batch: Pending[], locks: LocksMap): { draft: Draft; results: Outcome[] } {
  const draft = new Draft(locks);
  const results: Outcome[] = [];
  for (const p of batch) {
    const mark = draft.mark();
    try {
      results.push({ ok: true, value: p.run(draft) });
    } catch (error) {
      draft.rollback(mark);
      results.push({ ok: false, error });
    }
  }
  return { draft, results };
}

/** Each caller gets its own mutation's result or error. */
export function answerBatch(batch: Pending[], results: Outcome[]): void {
  batch.forEach((p, i) => {
    const r = results[i]!;
    if (r.ok) p.resolve(r.value);
    else p.reject(r.error);
  });
}

/**
 * Batches whose lock on locks.json is not yet released (their journaled copy not yet written):
 * `settled()` resolves when none is left.
 */
export class Unsettled {
  private count = 0;
  private waiters: Array<() => void> = [];

  begin(): void {
    this.count++;
  }

  /** One batch settled, or (`all`) every one: the commit side lost track (a restarted thread). */
  end(all: boolean): void {
    this.count = all ? 0 : Math.max(0, this.count - 1);
    if (this.count === 0) for (const w of this.waiters.splice(0)) w();
  }

  settled(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

/** The activity lines that record a batch and the drift; null when the journal failed (`failed` is told why). */
export async function journalLines(journal: Journal, committed: LockChange[], drift: LockChange[], failed: (err: unknown) => void): Promise<ActivityEvent[] | null> {
  try {
    return await journal({ committed, drift });
  } catch (err) {
    failed(err);
    return null;
  }
}

/** What a store does, in the same write, about changes found on disk (see LockStore.followDriftWith). */
export type DriftFollower = (drift: LockChange[], draft: LocksDraft) => void;

/** Runs the follower; one that throws changes nothing (its part of the draft is rolled back). */
export function followDrift(follower: DriftFollower, drift: LockChange[], draft: Draft, logger: { warn(o: object, m: string): void } | undefined): void {
  const mark = draft.mark();
  try {
    follower(drift, draft);
  } catch (err) {
    draft.rollback(mark);
    logger?.warn({ err }, 'following a change on disk failed');
  }
}
