import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { buildSync } from 'esbuild';

/**
 * A worker thread running a TypeScript module: the module and what it imports from this project
 * are bundled into one plain script by esbuild (packages stay `require`s), so the thread needs no
 * TypeScript loader. With tsx registered in each thread instead, every worker also started a
 * loader thread of its own: ~39 MB more RSS per worker, measured. The caller owns the worker's
 * lifetime (it is unref'ed: it never keeps the process alive by itself).
 */
export function startTsWorker(module: URL, workerData: unknown): Worker {
  // A small young generation: these threads allocate steadily (a batch's text, a version's JSON)
  // and V8 otherwise lets a worker's new space grow to its default maximum before collecting.
  const worker = new Worker(bundle(module), { eval: true, workerData, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
  worker.unref();
  return worker;
}

const bundles = new Map<string, string>();

function bundle(module: URL): string {
  const path = fileURLToPath(module);
  let code = bundles.get(path);
  if (code === undefined) {
    const out = buildSync({ entryPoints: [path], bundle: true, platform: 'node', format: 'cjs', target: 'node20', packages: 'external', write: false, logLevel: 'silent' });
    code = out.outputFiles[0]!.text;
    bundles.set(path, code);
  }
  return code;
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
