import { readFile } from 'node:fs/promises';
import { DEFAULT_STALE_MS } from '../storage/file-lock.js';
import { join } from 'node:path';
import { EXACT_NAMES, type NameRules } from '../vault/name-rules.js';
import type { Worker } from 'node:worker_threads';
import { startWorker, type HeapFigures } from '../threads/start-worker.js';
import type { Version } from '../../shared/protocol.js';
import { emptyHistory, historyFolder, type FileVersions, type RecordOptions } from './version-files.js';
import type { VersionReply, VersionRequest } from './version-thread.js';

export type { RecordOptions };

type Request = VersionRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * Every saved version of every file, under `<data>/versions/<hash of name>/`: `versions.json` and
 * one blob per distinct content (named by its sha256, so identical content is stored once).
 * Each file's history is changed under its own inter-process lock, so servers sharing the data
 * folder record a save once. Reads happen here; records and comments on one worker thread, in
 * the order asked (see VersionFiles).
 */
export class VersionStore {
  private worker: Worker | null = null;
  private nextId = 1;
  private waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private inflight = new Set<Promise<unknown>>();
  private outbox: VersionRequest[] = [];

  constructor(
    private readonly dir: string,
    private readonly keep: number,
    /** Where sources may be read from: inside `root`, outside `dataDir`, without links. */
    private readonly vault: { root: string; dataDir: string },
    private readonly staleMs = DEFAULT_STALE_MS,
    /** How the vault compares names: every spelling of a file shares its versions. */
    private readonly rules: NameRules = EXACT_NAMES,
  ) {}

  /**
   * The history as far as it can be trusted: a versions.json that does not parse, or holds no list,
   * is no versions; an entry that is not a version (a hand edit, a cut write) is left out, so a
   * garbled file is an answer with fewer versions, never a 500.
   */
  private async read(name: string): Promise<FileVersions> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(join(historyFolder(this.dir, name, this.rules), 'versions.json'), 'utf8'));
    } catch {
      return emptyHistory(name);
    }
    const list: unknown = (parsed as { versions?: unknown } | null)?.versions;
    if (!Array.isArray(list)) return emptyHistory(name);
    return { ...(parsed as FileVersions), versions: list.filter(isVersion) };
  }

  /** Newest first. */
  async list(name: string): Promise<Version[]> {
    return (await this.read(name)).versions.slice().reverse();
  }

  async get(name: string, n: number): Promise<{ version: Version; blob: string } | null> {
    const v = (await this.read(name)).versions.find((x) => x.number === n);
    return v ? { version: v, blob: join(historyFolder(this.dir, name, this.rules), v.sha256) } : null;
  }

  /**
   * Stores the file's current content as a new version unless it equals the newest one (then
   * null). `source` may be a different file than the vault path (an upload's temp file).
   */
  record(name: string, source: string, opts: RecordOptions): Promise<Version | null> {
    return this.ask({ op: 'record', name, source, opts }) as Promise<Version | null>;
  }

  /** Gives the newest version made by `user` since `since` a comment (a check-in's comment). */
  async comment(name: string, user: string, since: string, comment: string): Promise<void> {
    await this.ask({ op: 'comment', name, user, since, comment });
  }

  /** The version thread's heap (null before it started). */
  async heap(): Promise<HeapFigures | null> {
    return this.worker ? ((await this.ask({ op: 'heap' })) as HeapFigures) : null;
  }

  /** Stops the thread once what was asked is done. */
  async close(): Promise<void> {
    await Promise.allSettled(this.inflight);
    const w = this.worker;
    this.worker = null;
    await w?.terminate();
  }

  private ask(req: Request): Promise<unknown> {
    const id = this.nextId++;
    const p = new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      // The requests of one tick go as one message (a batch of check-outs asks for a record
      // each: one postMessage per record was ~5% of the main thread's time under check-outs).
      if (this.outbox.push({ ...req, id }) === 1) queueMicrotask(() => this.flush());
    });
    this.inflight.add(p);
    const done = () => this.inflight.delete(p);
    p.then(done, done);
    return p;
  }

  private flush(): void {
    const batch = this.outbox;
    this.outbox = [];
    this.start().postMessage(batch);
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker('version-thread', import.meta.url, { dir: this.dir, keep: this.keep, vault: this.vault, staleMs: this.staleMs, rules: this.rules });
    worker.on('message', (replies: VersionReply[]) => {
      for (const m of replies) {
        const p = this.waiting.get(m.id);
        if (!p) continue;
        this.waiting.delete(m.id);
        if (m.ok) p.resolve(m.value);
        else p.reject(Object.assign(new Error(m.message), m.code ? { code: m.code } : {}));
      }
    });
    worker.on('error', (err) => this.fail(worker, err));
    worker.on('exit', (code) => this.fail(worker, new Error(`the version thread stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }

  /** The thread died: whoever waits is told, and the next request starts a new one. */
  private fail(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    for (const p of this.waiting.values()) p.reject(err);
    this.waiting.clear();
  }
}

/** A version entry with the types the API promises (the blob's name is checked where it is opened). */
function isVersion(v: unknown): v is Version {
  const x = v as Partial<Version> | null;
  return (
    typeof x === 'object' && x !== null && Number.isSafeInteger(x.number) && typeof x.at === 'string' && Number.isSafeInteger(x.size_bytes) &&
    typeof x.sha256 === 'string' && (x.user === null || typeof x.user === 'string') && (x.comment === null || typeof x.comment === 'string')
  );
}
