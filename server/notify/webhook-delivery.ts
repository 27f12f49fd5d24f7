import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../threads/start-worker.js';
import type { HookMessage, HookRequest, HookThreadData } from './webhook-thread.js';
import type { HookFigures } from './webhooks.js';
import type { Logger } from '../logger.js';

/** The main thread's event loop in use more than this (of the last 100 ms): deliveries wait. */
const BUSY = 0.6;

/**
 * `--webhook` as the server sees it: delivery runs in a thread of its own (webhook-thread.ts, at a
 * lower priority where the platform allows), woken by new entries; its figures come back for
 * /metrics and /api/health.
 */
export class WebhookDelivery {
  private worker: Worker | null = null;
  private shown: { figures: HookFigures[]; problem: string | null };
  private closed: Promise<void> | null = null;
  private loadTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly data: HookThreadData,
    private readonly logger: Logger,
  ) {
    this.shown = { figures: data.urls.map((url) => ({ url, delivered: 0, failed: 0, dropped: 0, lastDelivered: null, lastError: null })), problem: null };
  }

  /** Starts the thread; resolves once each hook has its cursor (a new one starts at the log's end). */
  start(): Promise<void> {
    const worker = startWorker('webhook-thread', import.meta.url, this.data);
    this.worker = worker;
    // How busy this (the main) thread is, told to the delivery thread when it changes (see pace).
    let last: EventLoopUtilization = performance.eventLoopUtilization();
    let busy = false;
    this.loadTimer = setInterval(() => {
      const now = performance.eventLoopUtilization();
      const nowBusy = performance.eventLoopUtilization(now, last).utilization > BUSY;
      last = now;
      if (nowBusy !== busy) worker.postMessage({ op: 'load', busy: (busy = nowBusy) } satisfies HookRequest);
    }, 100);
    this.loadTimer.unref();
    return new Promise<void>((resolve) => {
      worker.on('message', (m: HookMessage) => {
        if (m.type === 'started') resolve();
        if (m.type === 'figures') this.shown = { figures: m.figures, problem: m.problem };
      });
      worker.on('error', (err) => {
        this.logger.error({ err }, 'the webhook thread failed: webhooks wait for a restart');
        resolve();
      });
    });
  }

  wake(): void {
    this.worker?.postMessage({ op: 'wake' } satisfies HookRequest);
  }

  figures(): HookFigures[] {
    return this.shown.figures;
  }

  problem(): string | null {
    return this.shown.problem;
  }

  /** Lets a delivery under way finish (the cursor is written), then stops the thread. */
  close(): Promise<void> {
    const worker = this.worker;
    if (this.loadTimer) clearInterval(this.loadTimer);
    if (!worker) return Promise.resolve();
    return (this.closed ??= new Promise<void>((resolve) => {
      const done = () => void worker.terminate().then(() => resolve());
      const timer = setTimeout(done, 5000);
      worker.on('message', (m: HookMessage) => {
        if (m.type !== 'closed') return;
        clearTimeout(timer);
        done();
      });
      worker.on('exit', () => resolve());
      worker.postMessage({ op: 'close' } satisfies HookRequest);
    }));
  }
}
