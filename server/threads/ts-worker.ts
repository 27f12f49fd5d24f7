import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * A worker thread running a TypeScript module like the main thread does: tsx registered first,
 * then the module. The caller owns its lifetime (the worker is unref'ed: it never keeps the
 * process alive by itself).
 */
export function startTsWorker(module: URL, workerData: unknown): Worker {
  const boot = `import(${JSON.stringify(tsxEsmApi())}).then((m) => { m.register(); return import(${JSON.stringify(module.href)}); });`;
  const worker = new Worker(boot, { eval: true, workerData });
  worker.unref();
  return worker;
}

/** tsx's ESM register API as a file URL (its CommonJS twin cannot register hooks from a thread). */
function tsxEsmApi(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('tsx/package.json');
  const exp = (require(pkg) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api']!;
  return pathToFileURL(join(dirname(pkg), exp.import.default)).href;
}
