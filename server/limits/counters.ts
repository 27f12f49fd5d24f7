// The counters every budget is made of: HTTP requests, socket commands, connections, files.

/** A token bucket: bursts of `burst`, `perSecond` sustained. */
export class TokenBucket {
  private tokens: number;
  private at = Date.now();

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
  ) {
    this.tokens = burst;
  }

  /** Takes `n` tokens, or none (false) when fewer are left. */
  take(n = 1): boolean {
    this.refill();
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  /** Seconds until `n` tokens are there (0 when they are; never for more than the burst). */
  secondsFor(n = 1): number {
    this.refill();
    return Math.max(0, Math.ceil((Math.min(n, this.burst) - this.tokens) / this.perSecond));
  }

  /** Whether it is full again (a client quiet long enough costs nothing to forget). */
  full(): boolean {
    this.refill();
    return this.tokens >= this.burst;
  }

  private refill(): void {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.perSecond);
    this.at = now;
  }
}

/** Counts sockets per client key; `enter` refuses one over the limit. */
export class ClientCounts {
  private readonly counts = new Map<string, number>();

  constructor(private readonly limit: number) {}

  enter(key: string): boolean {
    const n = this.counts.get(key) ?? 0;
    if (n >= this.limit) return false;
    this.counts.set(key, n + 1);
    return true;
  }

  count(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  leave(key: string): void {
    const n = (this.counts.get(key) ?? 1) - 1;
    if (n <= 0) this.counts.delete(key);
    else this.counts.set(key, n);
  }
}
