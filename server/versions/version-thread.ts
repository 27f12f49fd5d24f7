import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { collectPeriodically, heapFigures, nameThisThread } from '../threads/start-worker.js';
import type { NameRules } from '../vault/name-rules.js';
import { VersionFiles, type RecordOptions } from './version-files.js';

/** Requests the version store sends to its thread (in arrays), answered by `id`. */
export type VersionRequest =
  | { id: number; op: 'record'; name: string; source: string; opts: RecordOptions }
  | { id: number; op: 'comment'; name: string; user: string; since: string; comment: string }
  | { id: number; op: 'heap' };

export type VersionReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; code?: string; message: string };

/**
 * Background work: this thread runs at a lower priority (nice 19, the lowest), so that under a burst of
 * first check-outs it takes the CPU the request thread leaves over instead of half of it (2
 * cores here: at 3,500 check-outs/s it took as much CPU as the main thread). Linux only: there
 * `setpriority` on a thread id sets that thread alone; elsewhere it keeps the normal priority.
 */
function lowerPriority(): void {
  if (process.platform !== 'linux') return;
  try {
    setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), 19);
  } catch {
    // no /proc, or not allowed: normal priority
  }
}
lowerPriority();
nameThisThread('pdm-versions');
collectPeriodically();

const data = workerData as { dir: string; keep: number; vault: { root: string; dataDir: string }; staleMs: number; rules: NameRules };
const files = new VersionFiles(data.dir, data.keep, data.vault, data.staleMs, data.rules);
// Requests come in batches (one message per tick of the main thread); so do the replies.
parentPort!.on('message', (batch: VersionRequest[]) => {
  const replies: VersionReply[] = [];
  for (const m of batch) {
    try {
      let value: unknown;
      if (m.op === 'record') value = files.record(m.name, m.source, m.opts);
      else if (m.op === 'comment') files.comment(m.name, m.user, m.since, m.comment);
      else value = heapFigures();
      replies.push({ id: m.id, ok: true, value: value ?? null });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      replies.push({ id: m.id, ok: false, message: e.message, ...(e.code ? { code: e.code } : {}) });
    }
  }
  parentPort!.postMessage(replies);
});
