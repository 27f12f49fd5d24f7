import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LockInfo, LocksMap } from '../../shared/protocol.js';
import { AppError } from '../errors.js';
import { DEFAULT_STALE_MS } from '../storage/file-lock.js';
import type { HeapFigures } from '../threads/start-worker.js';
import { InlineCommitIO, ThreadCommitIO, type CommitIO } from './commit-io.js';
import type { Settled, WriteJob } from './commit-steps.js';
import { StoreProblems, type StoreHealth } from './store-health.js';
import type { LocksDraft } from './lock-draft.js';
import { answerBatch, applyBatch, followDrift, journalLines, Unsettled, type Mutation, type Pending } from './lock-batch.js';
import { diffLocks, type LockChange } from './lock-diff.js';
import { JournaledCopy } from './journaled-copy.js';
import { parseLocksText, readLocksFile, signatureOf, type FileSignature, type ReadResult } from './locks-file.js';
import type { Journal, LockStoreOptions, StoreListener } from './store-options.js';
import { changedAtNs, NewestCopy } from './newest-copy.js';

/** How soon a copy of locks.json older than one seen is read again. */
const OLDER_COPY_RETRY_MS = 100;

export type { Journal, LocksDraft, LockStoreOptions, Mutation, StoreHealth, StoreListener };

/**
 * locks.json, kept in memory and on disk. Mutations queue in-process and are applied in batches
 * under one proper-lockfile hold (group commit): lock, check locks.json is as last seen (else
 * read it back), apply each, write atomically and durably, append the activity log, answer, then
 * write the journaled copy and release (see `settled`). A file that does not parse is never
 * written.
 */
export class LockStore {
  /** Counters for tests and benchmarks: file parses, lock holds that wrote, changes they wrote. */
  readonly stats = { parses: 0, commits: 0, committedChanges: 0 };
  /** Only ever holds what is durable in locks.json; a batch changes it in place once written. */
  private locks: LocksMap = {};
  private signature: FileSignature | null | undefined;
  /** Whether the commit side's encoded locks.json (LocksText) mirrors `locks`; if not, it is sent `locks`. */
  private mirrored = false;
  private readonly journaled: JournaledCopy | null;
  private readonly problems: StoreProblems;
  private pending: Pending[] = [];
  private refreshWanted = false;
  private running: Promise<void> | null = null;
  private readonly io: CommitIO;
  private closed = false;
  private listeners: StoreListener[] = [];
  /** Batches sent whose journaled copy and release are not yet reported (one `settled` each). */
  private readonly unsettled = new Unsettled();
  private readonly groupCommit: boolean;
  private readonly maxBatch: number;
  /** The newest copy of locks.json seen (newest-copy.ts): an older one read later is not taken. */
  private readonly copies: NewestCopy;
  private olderCopyRetry: NodeJS.Timeout | null = null;

  constructor(private readonly opts: LockStoreOptions) {
    this.groupCommit = opts.groupCommit ?? true;
    this.maxBatch = opts.maxBatch ?? 1000;
    this.journaled = opts.journaledFile ? new JournaledCopy(opts.journaledFile) : null;
    const steps = {
      file: opts.file,
      journaledFile: opts.journaledFile ?? null,
      activityFile: opts.activityFile ?? null,
      staleMs: opts.staleMs ?? DEFAULT_STALE_MS,
      debugHoldMs: opts.debugHoldMs ?? 0,
    };
    this.copies = new NewestCopy(opts.staleMs ?? DEFAULT_STALE_MS);
    this.problems = new StoreProblems((h) => this.listeners.forEach((l) => l.health(h)), opts.logger);
    const events = { compromised: (message: string) => this.problems.compromised(message), settled: (s: Settled, all = false) => this.onSettled(s, all) };
    this.io = opts.thread ? new ThreadCommitIO(steps, events) : new InlineCommitIO(steps, events);
  }

  /** Reads locks.json once; a bad file leaves the store empty and unavailable, not failed. */
  async open(): Promise<void> {
    await mkdir(dirname(this.opts.file), { recursive: true });
    await this.io.open();
    if (await this.load()) {
      await this.journaled?.read();
    }
    // Not awaited: journaling a hand edit (or what a killed server left unjournaled) takes the
    // lock, which a dead holder keeps for the stale period; reads are served meanwhile and
    // writes queue behind it.
    void this.refresh();
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** The last good state. */
  snapshot(): LocksMap {
    return this.locks;
  }

  get(filename: string): LockInfo | null {
    return Object.hasOwn(this.locks, filename) ? this.locks[filename]! : null;
  }

  /** The commit thread's heap, for /api/metrics (null when commits run inline). */
  readonly threadHeap = (): Promise<HeapFigures | null> => this.io.heap();

  getHealth(): StoreHealth {
    return this.problems.health;
  }


  /** Queue a mutation; resolves with its result once the batch it joined is durable. */
  mutate<T>(run: Mutation<T>): Promise<T> {
    if (this.closed) return Promise.reject(new AppError('LOCKS_UNAVAILABLE', 'The server is shutting down.'));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run, resolve: resolve as (v: unknown) => void, reject });
      void this.kick();
    });
  }

  /**
   * Another node says it wrote locks.json with this change time (`--cluster`): read it now, and
   * take no copy older than that.
   */
  noticed(changedAtNs: bigint): Promise<void> {
    this.copies.saw(changedAtNs);
    return this.refresh();
  }

  /** The change time of the newest copy of locks.json this node has seen (what its notices carry). */
  newestCopyNs(): bigint {
    return this.copies.newestNs;
  }

  /** Re-read locks.json (cheap when its stat is unchanged) and publish what changed on disk. */
  refresh(): Promise<void> {
    this.refreshWanted = true;
    return this.kick();
  }

  /**
   * Resolves once every batch answered so far is journaled (its activity entries written before
   * its answer, the journaled copy after) and the lock released.
   */
  settled(): Promise<void> {
    return this.unsettled.settled();
  }

  /** Finish the batch being written; one still waiting for the lock is refused, as are later mutations. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.olderCopyRetry) clearTimeout(this.olderCopyRetry);
    this.io.stopWaiting();
    await this.running;
    await this.io.close();
  }

  private kick(): Promise<void> {
    if (!this.running) {
      this.running = this.loop().finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  private async loop(): Promise<void> {
    while (this.pending.length > 0 || this.refreshWanted) {
      if (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.groupCommit ? this.maxBatch : 1);
        this.refreshWanted = false;
        await this.commit(batch);
      } else {
        this.refreshWanted = false;
        await this.readFromDisk().catch((err: unknown) => this.opts.logger?.error({ err }, 'reading locks.json failed'));
      }
    }
  }

  /** The lock was released: what was answered is journaled (as far as the copy could be written). */
  private onSettled(s: Settled, all: boolean): void {
    this.journaled?.settled(s, this.opts.logger);
    if (s.releaseError) this.opts.logger?.warn({ err: new Error(s.releaseError) }, 'releasing the lock on locks.json failed');
    this.unsettled.end(all);
  }

  /** Reads without the lock (renames make that safe), then journals any hand edit it finds. */
  private async readFromDisk(): Promise<void> {
    if (!(await this.load())) return;
    if (!this.journaled || this.closed) return;
    await this.journaled.read();
    if (this.journaled.drift(this.locks).length > 0) await this.commit([]);
  }

  /** Brings memory up to date with locks.json; false when the file is unusable (memory is kept). */
  private async load(): Promise<boolean> {
    const sig = await signatureOf(this.opts.file);
    if (sig !== null && sig !== this.signature && !this.copies.mayTake(sig)) {
      // Older than a copy already seen (a lagging attribute cache): memory stays, read again soon.
      this.olderCopyRetry ??= setTimeout(() => {
        this.olderCopyRetry = null;
        void this.refresh();
      }, OLDER_COPY_RETRY_MS);
      this.olderCopyRetry.unref();
      return true;
    }
    if (sig === null || sig !== this.signature) {
      this.stats.parses++;
      return this.take(await readLocksFile(this.opts.file), sig);
    }
    this.problems.parsed(null);
    return true;
  }

  /** Memory becomes locks.json as read (its changes published as disk changes), unless unusable. */
  private take(read: ReadResult, sig: FileSignature | null): boolean {
    if (read.kind === 'bad') {
      this.problems.parsed(read.problem);
      return false;
    }
    let next = read.kind === 'ok' ? read.locks : {};
    if (this.opts.respell) {
      const r = this.opts.respell(next);
      next = r.locks;
      this.problems.duplicates(r.duplicates);
    }
    this.signature = sig;
    const changes = diffLocks(this.locks, next);
    // `locks` is replaced, not changed, so the old object can stand for what was journaled.
    this.journaled?.replaced(this.locks);
    this.locks = next;
    this.mirrored = false;
    if (changes.length > 0) this.emit(changes, 'disk');
    this.problems.parsed(null);
    return true;
  }

  /**
   * One batch under one lock hold, its file work done by `io` (the commit thread): written at once
   * when the disk is as last seen, else read back and applied again; answered once durable and
   * journaled, released after (docs/architecture.md draws it).
   */
  private async commit(batch: Pending[]): Promise<void> {
    let answered = false;
    const started = performance.now();
    try {
      let plan = await this.plan(batch, []);
      this.unsettled.begin(); // until the commit side reports the release (settled)
      let reply = await this.io.commit({ expect: this.signature, rereadJournal: this.journaled?.unsure() ?? false, write: plan.write });
      if (reply.kind === 'reread') {
        plan.abandon();
        if (reply.locks !== undefined && !this.adopt(reply.locks, reply.signature)) {
          await this.io.write({ changes: [], activity: '', journal: false });
          throw new AppError('LOCKS_UNAVAILABLE', this.problems.health.detail ?? 'locks.json cannot be read.');
        }
        this.journaled?.adopt(reply.journal, reply.journalSignature);
        plan = await this.plan(batch, this.journaled?.drift(this.locks) ?? []);
        reply = await this.io.write(plan.write);
      }
      if (reply.kind !== 'done') {
        plan.abandon();
        if (reply.kind === 'failed' && reply.stage === 'unconfirmed') {
          // Visible to every reader already: memory takes it from the disk on the next read.
          this.signature = undefined;
          this.refreshWanted = true;
        }
        throw reply.kind === 'failed' ? this.problems.failure(reply.stage, reply.code, reply.message) : new Error('the commit thread read locks.json back twice');
      }
      const { committed } = plan;
      if (committed.length > 0) {
        this.stats.commits++;
        this.stats.committedChanges += committed.length;
        plan.draft.redo();
      }
      this.mirrored = true;
      this.signature = reply.signature;
      this.copies.saw(changedAtNs(reply.signature));
      this.problems.wrote();
      if (committed.length > 0) this.emit(committed, 'api');
      if (reply.logAt !== null && plan.entries.length > 0) {
        const bytes = plan.lines.map((line) => Buffer.byteLength(line));
        for (const l of this.listeners) l.logged?.(plan.entries, reply.logAt, bytes);
      }
      if (reply.logError !== null) this.journalFailed(new Error(reply.logError));
      else if (plan.write.journal) this.journaled?.caughtUp();
      answerBatch(batch, plan.results);
      answered = true;
      if (batch.length > 0) this.opts.commitTimed?.((performance.now() - started) / 1000);
    } catch (err) {
      if (!answered) {
        const error = err instanceof AppError ? err : this.problems.storageError(err);
        for (const p of batch) p.reject(error);
      }
    }
  }

  /**
   * The batch applied and undone again, with what it writes: its changes (the commit side keeps
   * the file's text; sending it whole cost ~7% in clones), activity lines, the journaled copy.
   */
  private async plan(batch: Pending[], drift: LockChange[]) {
    const { draft, results } = applyBatch(batch, this.locks);
    // Drift comes from the journaled copy read under the lock: its `before` is the record as
    // last journaled, fresher than any one server's memory of it.
    if (drift.length > 0 && this.opts.followDrift) followDrift(this.opts.followDrift, drift, draft, this.opts.logger);
    const committed = draft.changes();
    if (committed.length > 0) draft.undo();
    const needed = committed.length > 0 || drift.length > 0;
    const entries = needed && this.opts.journal ? await journalLines(this.opts.journal, committed, drift, (err) => this.journalFailed(err)) : [];
    const journaling = needed && entries !== null;
    // Each entry serialised once: the commit side appends these, and `logged` hands their lengths on.
    const lines = entries ? entries.map((e) => JSON.stringify(e) + '\n') : [];
    const write: WriteJob = {
      ...(this.mirrored ? {} : { base: this.locks }),
      changes: committed.map(({ filename, before, after }) => ({ filename, before, after })),
      activity: lines.join(''),
      journal: journaling && this.journaled !== null,
    };
    // Failed or read again: the commit side's text is not known to mirror `locks` until a batch is done.
    const abandon = () => (this.mirrored = false);
    return { draft, results, committed, entries: entries ?? [], lines, write, abandon };
  }

  /** locks.json as read back under the lock; false when it is unusable (memory is kept). */
  private adopt(text: string | null, signature: FileSignature | null): boolean {
    this.stats.parses++;
    return this.take(parseLocksText(text), signature);
  }

  /**
   * The activity lines of a batch were not written (a full disk): locks.json is durable, so the
   * batch stands; the journal catches up with the next commit that can write, as drift.
   */
  private journalFailed(err: unknown): void {
    this.journaled?.forget();
    this.opts.logger?.warn({ err }, 'journaling a commit failed; it will be journaled as a disk change later');
  }

  private emit(changes: LockChange[], source: 'api' | 'disk'): void {
    for (const l of this.listeners) l.changes(changes, source);
  }
}
