import { readdir } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Router } from 'express';
import type { HeapFigures } from '../threads/start-worker.js';

/**
 * `GET /api/metrics`: what the soak test and an operator watch: memory, open file descriptors,
 * connected sockets, and event-loop delay both since the previous call (`event_loop_delay_ms`) and
 * since the server started (`event_loop_delay_total_ms`, the one to take a p99 of a long run from),
 * and the V8 heap of each thread (main, commit, versions).
 */
export function metricsRoutes(sockets: () => number, threads: () => Promise<Record<string, HeapFigures | null>>): { router: Router; stop: () => void } {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const total = monitorEventLoopDelay({ resolution: 10 });
  total.enable();
  const r = Router();
  r.get('/metrics', async (_req, res) => {
    const fds = await readdir('/proc/self/fd').then((l) => l.length, () => null);
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    const m = process.memoryUsage();
    res.json({
      rss_bytes: m.rss,
      heap_used_bytes: m.heapUsed,
      open_fds: fds,
      sockets: sockets(),
      event_loop_delay_ms: { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) },
      event_loop_delay_total_ms: { p50: ms(total.percentile(50)), p99: ms(total.percentile(99)), max: ms(total.max) },
      // Each thread's V8 heap: which one's memory grows over a long run.
      threads: await threads(),
    });
    h.reset();
  });
  return {
    router: r,
    stop: () => {
      h.disable();
      total.disable();
    },
  };
}
