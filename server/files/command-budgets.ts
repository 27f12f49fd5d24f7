import { AppError } from '../errors.js';
import { TokenBucket } from '../limits/counters.js';
import type { Caller } from './file-commands.js';

/** What a client may use: `burst` at once, then `perSecond` sustained. */
export interface CommandBudgetLimits {
  burst: number;
  perSecond: number;
}

/**
 * Files changed: 20 a second, 1,000 at once. A shop's bulk check-out of 500 files, twice in a
 * row, goes through; a script flooding 500-name requests (59,500 holds in 10 s, 7.6 GB of log an
 * hour) gets 1,200 in its first 10 s and 72,000 an hour at most, ~13 MB of log.
 */
export const DEFAULT_COMMAND_BUDGET: CommandBudgetLimits = { burst: 1000, perSecond: 20 };

/** Clients remembered at once before the quiet ones (full buckets) are forgotten. */
const PRUNE_AT = 10_000;

/** A token bucket per client key, forgetting quiet clients so the map stays bounded. */
export class KeyedBuckets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(readonly limits: CommandBudgetLimits) {}

  /** Takes `n` from `key`'s bucket: 0 when taken, else the seconds until it could be. */
  take(key: string, n: number): number {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= PRUNE_AT) this.prune();
      this.buckets.set(key, (bucket = new TokenBucket(this.limits.burst, this.limits.perSecond)));
    }
    return bucket.take(n) ? 0 : Math.max(1, bucket.secondsFor(n));
  }

  private prune(): void {
    for (const [key, bucket] of this.buckets) if (bucket.full()) this.buckets.delete(key);
    // Still full of busy clients: the oldest go (they start again with a whole budget).
    for (const key of this.buckets.keys()) {
      if (this.buckets.size < PRUNE_AT) break;
      this.buckets.delete(key);
    }
  }
}

/**
 * What each client may change, counted in files (a request naming 500 files costs 500), shared by
 * HTTP, sockets and Git LFS: one budget per user in users mode, per address in open mode (where
 * any name can be claimed). Over budget is `429 TOO_MANY_REQUESTS` with `Retry-After`, and nothing
 * changes.
 */
export class CommandBudgets {
  private readonly buckets: KeyedBuckets | null;

  constructor(limits: CommandBudgetLimits | null = DEFAULT_COMMAND_BUDGET) {
    this.buckets = limits ? new KeyedBuckets(limits) : null;
  }

  /** Takes `files` from the caller's budget or throws TOO_MANY_REQUESTS. */
  spend(caller: Caller, files: number): void {
    if (!this.buckets) return;
    const wait = this.buckets.take(caller.client ?? `user:${caller.user}`, files);
    if (wait === 0) return;
    const { burst, perSecond } = this.buckets.limits;
    const more = files > burst ? ` (at most ${burst} files in one request)` : '';
    throw new AppError('TOO_MANY_REQUESTS', `Too many changes from you: at most ${burst} files at once and ${perSecond} a second after that${more}; try again in ${wait} s.`, {}, wait);
  }
}
