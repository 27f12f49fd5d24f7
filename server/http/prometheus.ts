import { timingSafeEqual } from 'node:crypto';
import { Router, type Request } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Identity } from '../auth/identity.js';
import { AppError } from '../errors.js';
import type { LockChange } from '../locks/lock-diff.js';

/** What the exposition reads from the running server. */
export interface MetricsSources {
  sockets(): number;
  locksHeld(): number;
  /** Each webhook's deliveries so far (none without --webhook). */
  webhooks?(): Array<{ url: string; delivered: number; failed: number; dropped: number }>;
}

/**
 * The server's Prometheus metrics (prom-client): Node's default process metrics and PDM Live's
 * own. One registry per app, so several apps in one process (tests) do not share counters.
 */
export class PdmMetrics {
  readonly registry = new Registry();
  private readonly operations: Counter<'op'>;
  private readonly commits: Histogram;

  constructor(sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({ name: 'pdm_sockets_connected', help: 'Socket.IO connections open on this server', registers: [this.registry], collect() { this.set(sources.sockets()); } });
    new Gauge({ name: 'pdm_locks_held', help: 'Locks in locks.json as this server last read it', registers: [this.registry], collect() { this.set(sources.locksHeld()); } });
    new Gauge({
      name: 'pdm_webhook_deliveries',
      help: 'Webhook POSTs by this server since it started, by hook and result (delivered, failed: retried, dropped: given up after 24 h)',
      labelNames: ['hook', 'result'],
      registers: [this.registry],
      collect() {
        for (const h of sources.webhooks?.() ?? []) for (const result of ['delivered', 'failed', 'dropped'] as const) this.set({ hook: h.url, result }, h[result]);
      },
    });
    this.operations = new Counter({ name: 'pdm_lock_operations_total', help: 'Lock changes made by this server', labelNames: ['op'], registers: [this.registry] });
    for (const op of ['checkout', 'checkin', 'force_release']) this.operations.inc({ op }, 0);
    this.commits = new Histogram({
      name: 'pdm_commit_duration_seconds',
      help: 'One group commit of locks.json: lock, write, fsync, activity append, answer',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
      registers: [this.registry],
    });
  }

  /** Counts the lock changes this server makes (source `api`; other servers count their own). */
  lockChanges(changes: readonly LockChange[], source: 'api' | 'disk'): void {
    if (source !== 'api') return;
    for (const c of changes) {
      if (c.after && !c.before) this.operations.inc({ op: 'checkout' });
      else if (c.before && !c.after) this.operations.inc({ op: c.meta?.forced ? 'force_release' : 'checkin' });
    }
  }

  commitSeconds(seconds: number): void {
    this.commits.observe(seconds);
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * `GET /metrics` in Prometheus text format. Open mode: open. Users mode: the metrics token as a
 * bearer token when one is set (a scraper needs no user account), else any signed-in session.
 */
export function prometheusRoutes(metrics: PdmMetrics, identity: Identity, metricsToken: string | undefined): Router {
  const r = Router();
  const allowed = async (req: Request): Promise<void> => {
    if (identity.mode === 'open') return;
    const auth = req.headers.authorization;
    if (metricsToken !== undefined) {
      if (typeof auth === 'string' && auth.startsWith('Bearer ') && sameSecret(auth.slice(7), metricsToken)) return;
      throw new AppError('UNAUTHENTICATED', 'GET /metrics needs the metrics token: Authorization: Bearer TOKEN.');
    }
    await identity.fromHttp(req.headers);
  };
  r.get('/metrics', async (req, res) => {
    await allowed(req);
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.send(await metrics.registry.metrics());
  });
  return r;
}
