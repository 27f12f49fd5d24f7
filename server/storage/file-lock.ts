import lockfile from 'proper-lockfile';
import { platform } from './durable-files.js';
import { shareClockFs } from './share-clock.js';

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

/** proper-lockfile's options as both loops use them. */
function lockOptions(stale: number, onCompromised: (err: Error) => void) {
  // The share's clock, not this machine's, decides staleness (share-clock.ts): servers whose
  // clocks disagree never take each other's live locks.
  return { realpath: false, stale, update: Math.max(1000, Math.floor(stale / 3)), onCompromised, fs: shareClockFs };
}

/**
 * The wait between tries while the lock is busy (see isBusy: proper-lockfile's built-in
 * retries also retry a full disk or a read-only folder, which made a refused write take a minute
 * to answer): backoff with jitter up to 150 ms, until `waitMs` (default: twice the stale period
 * plus 5 s) or the signal. Throws `err` when it is time to give up.
 */
function backoff(opts: FileLockOptions, stale: number) {
  const deadline = Date.now() + (opts.waitMs ?? stale * 2 + 5000);
  let delay = 5;
  return (err: unknown): number => {
    if (!isBusy(err) || Date.now() > deadline || opts.signal?.aborted) throw err;
    const wait = delay * (0.5 + Math.random());
    delay = Math.min(150, delay * 1.4);
    return wait;
  };
}

/**
 * Held by someone else. On Windows a lock folder whose owner is still deleting it refuses a new
 * `mkdir` with EPERM ("delete pending") for a moment: that is busy too, not a failure.
 */
export function isBusy(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ELOCKED' || (platform.windows && code === 'EPERM');
}

/** proper-lockfile's lock, waiting while it is busy (see `backoff`). */
export async function lockFile(file: string, opts: FileLockOptions = {}): Promise<() => Promise<void>> {
  const stale = opts.staleMs ?? DEFAULT_STALE_MS;
  const next = backoff(opts, stale);
  for (;;) {
    try {
      return await lockfile.lock(file, { ...lockOptions(stale, opts.onCompromised ?? (() => undefined)), retries: 0 });
    } catch (err) {
      const wait = next(err);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/** The same lock for a worker thread with nothing else to do meanwhile: it sleeps without spinning. */
export function lockFileSync(file: string, opts: FileLockOptions = {}): () => void {
  const stale = opts.staleMs ?? DEFAULT_STALE_MS;
  const next = backoff(opts, stale);
  for (;;) {
    try {
      return lockfile.lockSync(file, lockOptions(stale, opts.onCompromised ?? (() => undefined)));
    } catch (err) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, next(err));
    }
  }
}
