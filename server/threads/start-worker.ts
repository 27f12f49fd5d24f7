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
  /** How long this thread's last periodic full collection took, in ms (null before the first). */
  gc_ms: number | null;
}

let lastCollectionMs: number | null = null;

/** The calling thread's heap figures. */
export function heapFigures(): HeapFigures {
  const h = getHeapStatistics();
  return { used: h.used_heap_size, total: h.total_heap_size, external: h.external_memory, malloced: h.malloced_memory, gc_ms: lastCollectionMs };
}

/** How often a thread collects its garbage in full (see collectPeriodically). */
const FULL_GC_MS = 30_000;

/**
 * A full garbage collection of the calling thread every 30 s: the worker threads and, from
 * `serve`, the main thread. These heaps keep little (the soak's live data: 7-8 MB in each worker,
 * ~40 MB on the main thread) but make steady short-lived garbage, and between its own rare major
 * collections V8 let their committed heaps grow and settle at sizes that differed from run to run
 * (the main thread's at 70 or 100-135 MB in two 600 s soaks of one build; RELIABILITY.md §5).
 * A collection resets the heap's limits from what is live. It costs one pause of the thread per
 * period (main thread in the soak: 30-60 ms; `gc_ms` in /api/metrics says what it is on a real
 * board). `gc` is exposed for a new context only (the flag is set at run time, a documented V8
 * idiom); without it nothing is scheduled.
 */
export function collectPeriodically(): void {
  let gc: unknown;
  try {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc');
  } catch {
    return;
  }
  if (typeof gc !== 'function') return;
  setInterval(() => {
    const t0 = performance.now();
    (gc as () => void)();
    lastCollectionMs = Math.round((performance.now() - t0) * 10) / 10;
  }, FULL_GC_MS).unref();
}
