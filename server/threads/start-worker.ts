import { writeFileSync } from 'node:fs';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts the worker module `name` that sits beside `base` (pass `import.meta.url`). The shipped
 * server is compiled JavaScript, so the thread runs `name.js` as it is: no bundling or loader at
 * run time. Run from the TypeScript sources (tests, `npm run dev`), `base` ends in `.ts` and the
 * thread registers tsx, a dev-only dependency that is then installed. The caller owns the
 * worker's lifetime (it is unref'ed: it never keeps the process alive by itself).
 */
export function startWorker(name: string, base: string, workerData: unknown): Worker {
  // A small young generation: these threads allocate steadily (a batch's text, a version's JSON)
  // and V8 otherwise lets a worker's new space grow to its default maximum before collecting.
  const options = { workerData, resourceLimits: { maxYoungGenerationSizeMb: 4 } };
  let worker: Worker;
  if (base.endsWith('.ts')) {
    // Node 20 does not apply loader hooks given as a worker's execArgv to its entry module.
    const tsx = pathToFileURL(join(dirname(createRequire(base).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
    const entry = new URL(`./${name}.ts`, base).href;
    const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
    worker = new Worker(boot, { ...options, eval: true });
  } else {
    worker = new Worker(new URL(`./${name}.js`, base), options);
  }
  worker.unref();
  return worker;
}

/**
 * Names the calling thread (Linux: shown by `top -H`, `ps -T` and the benchmarks' CPU by thread);
 * elsewhere nothing happens.
 */
export function nameThisThread(name: string): void {
  if (process.platform !== 'linux') return;
  try {
    writeFileSync('/proc/thread-self/comm', name.slice(0, 15));
  } catch {
    // no /proc: unnamed
  }
}

/** One thread's V8 heap, in bytes (for /api/metrics: which thread's memory grows). */
export interface HeapFigures {
  used: number;
  total: number;
  external: number;
  malloced: number;
  /** How long this thread's last full collection of ours took, in ms (null before the first). */
  gc_ms: number | null;
}

let lastCollectionMs: number | null = null;

/** The calling thread's heap figures. */
export function heapFigures(): HeapFigures {
  const h = getHeapStatistics();
  return { used: h.used_heap_size, total: h.total_heap_size, external: h.external_memory, malloced: h.malloced_memory, gc_ms: lastCollectionMs };
}

/** How often a worker thread collects its garbage in full (see collectPeriodically). */
const FULL_GC_MS = 30_000;
/** How often the main thread looks at its heap (see collectWhenGrown). */
const HEAP_CHECK_MS = 1000;

/** V8's `gc`, exposed for a new context only (the flag is set at run time, a documented V8 idiom). */
function exposedGc(): (() => void) | null {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

function timed(gc: () => void): void {
  const t0 = performance.now();
  gc();
  lastCollectionMs = Math.round((performance.now() - t0) * 10) / 10;
}

/**
 * A full garbage collection of the calling worker thread every 30 s. These threads keep little
 * (live heaps of 7-8 MB in the soak, measured with heap snapshots) but make steady short-lived
 * garbage, and V8 let their committed heaps grow ~0.5 MB a minute each between its own rare major
 * collections (the soak's per-thread figures). One collection of such a heap takes a few ms of
 * that thread, never the request thread's. Without an exposed `gc` nothing is scheduled.
 */
export function collectPeriodically(): void {
  const gc = exposedGc();
  if (gc) setInterval(() => timed(gc), FULL_GC_MS).unref();
}

/**
 * The main thread (started by `serve`): a full collection once its heap holds more than half
 * again what was live after the last one, plus 16 MB. Under heavy socket churn (the soak: 60
 * connections a second) each connection's objects outlive the young generation, and V8 let the
 * old one fill with them to 100-150 MB on some runs and 70-80 MB on others, from the same ~40 MB
 * live (RELIABILITY.md §5); a fixed 30 s period let 90 MB of such garbage build up. On a quiet
 * board the limit is never reached and nothing runs. Each pause is `gc_ms` in /api/metrics.
 */
export function collectWhenGrown(): void {
  const gc = exposedGc();
  if (!gc) return;
  let live = getHeapStatistics().used_heap_size;
  setInterval(() => {
    if (getHeapStatistics().used_heap_size <= live * 1.5 + 16 * 2 ** 20) return;
    timed(gc);
    live = getHeapStatistics().used_heap_size;
  }, HEAP_CHECK_MS).unref();
}
