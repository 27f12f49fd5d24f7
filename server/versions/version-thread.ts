import { parentPort, workerData } from 'node:worker_threads';
import { VersionFiles, type RecordOptions } from './version-files.js';

/** Messages the version store sends to its thread, answered by `id`. */
export type VersionRequest =
  | { id: number; op: 'record'; name: string; source: string; opts: RecordOptions }
  | { id: number; op: 'comment'; name: string; user: string; since: string; comment: string };

export type VersionReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; code?: string; message: string };

const files = new VersionFiles(workerData.dir as string, workerData.keep as number, workerData.vault as { root: string; dataDir: string });
parentPort!.on('message', (m: VersionRequest) => {
  try {
    const value = m.op === 'record' ? files.record(m.name, m.source, m.opts) : files.comment(m.name, m.user, m.since, m.comment);
    parentPort!.postMessage({ id: m.id, ok: true, value: value ?? null } satisfies VersionReply);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    parentPort!.postMessage({ id: m.id, ok: false, message: e.message, ...(e.code ? { code: e.code } : {}) } satisfies VersionReply);
  }
});
