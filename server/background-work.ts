import type { Logger } from './logger.js';

/**
 * Work the server starts and does not wait for (version bookkeeping, clean-ups), owned in one
 * place so that `close()` can wait for it: nothing writes into a vault being shut down.
 */
export class BackgroundWork {
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly logger: Logger) {}

  /** Runs `p` to its end; a failure is logged as `what` (a file gone meanwhile is no fault). */
  track(p: Promise<unknown>, what: string): void {
    const q = p
      .catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.warn({ err }, `${what} failed`);
      })
      .finally(() => this.running.delete(q));
    this.running.add(q);
  }

  /** Resolves once everything tracked so far has ended. */
  async settled(): Promise<void> {
    await Promise.all(this.running);
  }
}
