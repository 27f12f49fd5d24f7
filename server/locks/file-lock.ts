import lockfile from 'proper-lockfile';

/** proper-lockfile's stale period when none is configured: generous, for its takeover race (#121). */
export const DEFAULT_STALE_MS = 15_000;

export interface FileLockOptions {
  /** A holder silent this long is taken over (proper-lockfile `stale`). */
  staleMs?: number;
  onCompromised?: (err: Error) => void;
  /** Give up waiting for a busy lock after this long (default: twice the stale period + 5 s). */
  waitMs?: number;
  /** Stop waiting for a busy lock (the server is stopping): fails as busy at the next retry. */
  signal?: AbortSignal;
}

/**
 * proper-lockfile's lock with our own retry loop: it retries only while the lock is busy
 * (ELOCKED), with backoff and jitter. proper-lockfile's built-in retries also retry a full disk or
 * a read-only folder, which made a refused write take a minute to answer.
 */
export async function lockFile(file: string, opts: FileLockOptions = {}): Promise<() => Promise<void>> {
  const stale = opts.staleMs ?? DEFAULT_STALE_MS;
  const deadline = Date.now() + (opts.waitMs ?? stale * 2 + 5000);
  let delay = 5;
  for (;;) {
    try {
      return await lockfile.lock(file, {
        realpath: false,
        stale,
        update: Math.max(1000, Math.floor(stale / 3)),
        retries: 0,
        onCompromised: opts.onCompromised ?? (() => undefined),
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED' || Date.now() > deadline || opts.signal?.aborted) throw err;
      await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random())));
      delay = Math.min(150, delay * 1.4);
    }
  }
}
