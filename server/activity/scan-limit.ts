import { AppError } from '../errors.js';

/**
 * Searches that may read the whole log (a filter that matches little, a date that matches
 * nothing) run at most `concurrent` at once, with at most `queue` more waiting; beyond that they
 * are refused (429) at once. Without it, 32 such searches in parallel on a 300,000-entry log held
 * check-outs up by seconds (each read the log from its end, all at once).
 */
export class ScanLimit {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  /** The most searches that ran at once (for tests and metrics). */
  peak = 0;

  constructor(
    private readonly concurrent = 2,
    private readonly queue = 16,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrent) this.running++;
    else {
      if (this.waiting.length >= this.queue) throw new AppError('TOO_MANY_REQUESTS', 'Too many activity searches at once: try again in a moment.', {}, 1);
      await new Promise<void>((resolve) => this.waiting.push(resolve)); // the slot is handed over
    }
    this.peak = Math.max(this.peak, this.running);
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
