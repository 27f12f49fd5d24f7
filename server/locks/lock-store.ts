import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LockInfo, LocksMap } from '../../shared/protocol.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { fsyncDirectory, writeFileAtomic } from './atomic-write.js';
import { lockFile } from './file-lock.js';
import { Draft, type LocksDraft } from './lock-draft.js';
import { diffLocks, type LockChange } from './lock-diff.js';
import { JournaledCopy } from './journaled-copy.js';
import { readLocksFile, signatureOf, type FileSignature } from './locks-file.js';
import { LocksText } from './locks-text.js';

export type { LocksDraft };
export type Mutation<T> = (draft: LocksDraft) => T;

/** Called under the inter-process lock once locks.json is durable, to record the batch once. */
export type Journal = (entries: { committed: LockChange[]; drift: LockChange[] }) => Promise<void>;

export interface StoreHealth {
  ok: boolean;
  detail: string | null;
}

export interface StoreListener {
  changes(changes: LockChange[], source: 'api' | 'disk'): void;
  health(health: StoreHealth): void;
}

export interface LockStoreOptions {
  /** Path of locks.json. */
  file: string;
  /** Copy of locks.json as last journaled; lets servers sharing it record each change once. */
  journaledFile?: string;
  /** proper-lockfile `stale` in ms: a dead holder's lock is taken over after this. */
  staleMs?: number;
  /** false = one lock hold per mutation (the benchmark's baseline). */
  groupCommit?: boolean;
  maxBatch?: number;
  journal?: Journal;
  logger?: Logger;
}

interface Pending {
  run: Mutation<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}


/**
 * locks.json, kept in memory and on disk. Mutations queue in-process and are applied in batches
 * under one proper-lockfile hold (group commit): lock, re-read, apply each, write atomically and
 * durably, append the activity log, answer, then write the journaled copy and release (see
 * `settled`). A file that does not parse is never written.
 */
export class LockStore {
  /** Counters for tests and benchmarks: file parses, lock holds that wrote, changes they wrote. */
  readonly stats = { parses: 0, commits: 0, committedChanges: 0 };
  /** Only ever holds what is durable in locks.json; a batch changes it in place once written. */
  private locks: LocksMap = {};
  private signature: FileSignature | null | undefined;
  /** locks.json's bytes for `locks`, by lock; null = build again from `locks` when needed. */
  private text: LocksText | null = null;
  private readonly journaled: JournaledCopy | null;
  private health: StoreHealth = { ok: true, detail: null };
  private pending: Pending[] = [];
  private refreshWanted = false;
  private running: Promise<void> | null = null;
  private compromised: Error | null = null;
  private heldSince = 0;
  /** Test-only (PDM_DEBUG_HOLD_MS): keep the lock this long per commit, to freeze a holder on purpose. */
  private readonly debugHoldMs = Number(process.env.PDM_DEBUG_HOLD_MS ?? 0);
  private parseProblem: string | null = null;
  private writeProblem: string | null = null;
  private closed = false;
  private listeners: StoreListener[] = [];
  /** Settles when the batch answered last has been journaled and the lock released. */
  private settledBatch: Promise<void> = Promise.resolve();
  private readonly staleMs: number;
  private readonly groupCommit: boolean;
  private readonly maxBatch: number;

  constructor(private readonly opts: LockStoreOptions) {
    this.staleMs = opts.staleMs ?? 15_000;
    this.groupCommit = opts.groupCommit ?? true;
    this.maxBatch = opts.maxBatch ?? 1000;
    this.journaled = opts.journaledFile ? new JournaledCopy(opts.journaledFile, opts.logger) : null;
  }

  get file(): string {
    return this.opts.file;
  }

  /** Reads locks.json once; a bad file leaves the store empty and unavailable, not failed. */
  async open(): Promise<void> {
    await mkdir(dirname(this.opts.file), { recursive: true });
    if (await this.load()) {
      await this.journaled?.read();
    }
    await this.refresh();
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

  getHealth(): StoreHealth {
    return this.health;
  }

  /** Queue a mutation; resolves with its result once the batch it joined is durable. */
  mutate<T>(run: Mutation<T>): Promise<T> {
    if (this.closed) return Promise.reject(new AppError('LOCKS_UNAVAILABLE', 'The server is shutting down.'));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run, resolve: resolve as (v: unknown) => void, reject });
      this.kick();
    });
  }

  /** Re-read locks.json (cheap when its stat is unchanged) and publish what changed on disk. */
  refresh(): Promise<void> {
    this.refreshWanted = true;
    return this.kick();
  }

  /**
   * Resolves once every batch answered so far has been journaled (its activity entries written)
   * and the lock released: callers are answered as soon as locks.json is durable, before that.
   */
  settled(): Promise<void> {
    return this.settledBatch;
  }

  /** Finish queued work; later mutations are refused. */
  async close(): Promise<void> {
    this.closed = true;
    await this.running;
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
    if (sig === null || sig !== this.signature) {
      const read = await readLocksFile(this.opts.file);
      this.stats.parses++;
      if (read.kind === 'bad') {
        this.parseProblem = `${read.problem}. Check-outs and check-ins are refused until it is fixed; nothing was overwritten.`;
        this.updateHealth();
        return false;
      }
      const next = read.kind === 'ok' ? read.locks : {};
      this.signature = sig;
      const changes = diffLocks(this.locks, next);
      // `locks` is replaced, not changed, so the old object can stand for what was journaled.
      this.journaled?.replaced(this.locks);
      this.locks = next;
      this.text = null;
      if (changes.length > 0) this.emit(changes, 'disk');
    }
    this.parseProblem = null;
    this.updateHealth();
    return true;
  }

  /**
   * One batch under one hold of the inter-process lock. The batch's mutations run on `locks` in
   * place and are undone at once (in the same tick, so no reader sees them): this avoids copying
   * the whole map per batch, and only the changed locks are encoded again (LocksText). Once the
   * file is durable they are applied again, the activity log is appended and the callers are
   * answered; the journaled copy and the release follow, while the next requests are being read.
   */
  private async commit(batch: Pending[]): Promise<void> {
    let release: (() => Promise<void>) | null = null;
    let answered = false;
    let settle = () => {};
    try {
      this.compromised = null;
      try {
        release = await lockFile(this.opts.file, { staleMs: this.staleMs, onCompromised: (err) => this.onCompromised(err) });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code !== 'ELOCKED') throw err; // a storage problem (full disk, read-only): reported as such
        throw new AppError('LOCKS_UNAVAILABLE', `locks.json is busy: could not take its lock (${e.message}).`);
      }
      this.heldSince = Date.now();
      if (this.debugHoldMs > 0) await new Promise((r) => setTimeout(r, this.debugHoldMs));
      if (!(await this.load())) {
        throw new AppError('LOCKS_UNAVAILABLE', this.health.detail ?? 'locks.json cannot be read.');
      }
      let drift: LockChange[] = [];
      if (this.journaled) {
        await this.journaled.read();
        drift = this.journaled.drift(this.locks);
      }
      const { draft, results } = this.apply(batch);
      const committed = draft.changes();
      let bytes: Buffer[] | null = null;
      if (committed.length > 0) {
        draft.undo();
        const text = this.text ?? new LocksText(this.locks);
        this.text = null; // until the write succeeds
        text.apply(committed);
        bytes = text.pieces();
        await writeFileAtomic(this.opts.file, bytes, { beforeRename: () => this.assertHeld() });
        try {
          await fsyncDirectory(dirname(this.opts.file));
        } catch (err) {
          throw this.unconfirmed(err);
        }
        this.stats.commits++;
        this.stats.committedChanges += committed.length;
        // The batch is durable now: a failed stat must not report it as failed ("nothing was
        // changed" would be false). Unknown signature = read locks.json again next time.
        this.signature = await signatureOf(this.opts.file).catch(() => undefined);
        draft.redo();
        this.text = text;
      }
      this.writeProblem = null;
      this.updateHealth();
      if (committed.length > 0) this.emit(committed, 'api');
      const journaling = committed.length > 0 || drift.length > 0;
      const logged = journaling && (await this.log(committed, drift));
      this.settledBatch = new Promise((r) => (settle = r));
      this.answer(batch, results);
      answered = true;
      if (logged) await this.journaled?.write(bytes ?? (this.text ??= new LocksText(this.locks)).pieces());
      await this.releaseLock(release);
      release = null;
    } catch (err) {
      if (release) await this.releaseLock(release);
      if (answered) return;
      const error = err instanceof AppError ? err : this.storageError(err);
      for (const p of batch) p.reject(error);
    } finally {
      settle();
    }
  }

  /** Runs each mutation of the batch on `locks`; one that throws is rolled back alone. */
  private apply(batch: Pending[]): { draft: Draft; results: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> } {
    const draft = new Draft(this.locks);
    const results: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    for (const p of batch) {
      const mark = draft.mark();
      try {
        results.push({ ok: true, value: p.run(draft) });
      } catch (error) {
        draft.rollback(mark);
        results.push({ ok: false, error });
      }
    }
    return { draft, results };
  }

  private answer(batch: Pending[], results: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }>): void {
    batch.forEach((p, i) => {
      const r = results[i]!;
      if (r.ok) p.resolve(r.value);
      else p.reject(r.error);
    });
  }

  /**
   * Records the batch (and any drift) once, under the lock, before the callers are answered (so an
   * answered check-out is in the activity log). locks.json is durable by now, so a failure here (a
   * full disk) is not an error for the changes: the journal catches up with the next commit that
   * can write, as drift. False when it failed.
   */
  private async log(committed: LockChange[], drift: LockChange[]): Promise<boolean> {
    try {
      await this.opts.journal?.({ committed, drift });
      return true;
    } catch (err) {
      this.journaled?.forget();
      this.opts.logger?.warn({ err }, 'journaling a commit failed; it will be journaled as a disk change later');
      return false;
    }
  }

  private storageError(err: unknown): AppError {
    const e = err as NodeJS.ErrnoException;
    this.opts.logger?.error({ err }, 'committing locks.json failed');
    const detail = `locks.json could not be written (${e.code ?? e.message}); nothing was changed.`;
    // Cleared by the next commit that succeeds: health says the last write failed until then.
    this.writeProblem = detail;
    this.updateHealth();
    return new AppError('LOCKS_UNAVAILABLE', detail);
  }

  /**
   * The rename is done but the folder could not be synced: every reader already sees the batch, so
   * "nothing was changed" would be false. Memory takes it from the disk (next refresh, as a disk
   * change); the callers learn it is not confirmed durable.
   */
  private unconfirmed(err: unknown): AppError {
    const e = err as NodeJS.ErrnoException;
    this.opts.logger?.error({ err }, 'syncing the data folder after writing locks.json failed');
    this.signature = undefined;
    this.refreshWanted = true;
    this.writeProblem = `locks.json was written but its folder could not be synced (${e.code ?? e.message}): the change is visible but may not survive a power cut.`;
    this.updateHealth();
    return new AppError('LOCKS_UNAVAILABLE', this.writeProblem);
  }

  private assertHeld(): void {
    // A hold this long means this process was frozen or starved past half the stale period:
    // another process may have taken the lock over, so do not write (even before proper-lockfile's
    // own timer has noticed).
    if (!this.compromised && Date.now() - this.heldSince > this.staleMs / 2) {
      this.compromised = new Error(`held the lock for ${Date.now() - this.heldSince} ms`);
    }
    if (this.compromised) {
      throw new AppError('LOCKS_UNAVAILABLE', `Lost the lock on locks.json before writing (${this.compromised.message}); nothing was changed.`);
    }
  }

  private onCompromised(err: Error): void {
    // The default throws from a timer and kills the process; we stop committing and report instead.
    this.compromised = err;
    this.writeProblem = `Lost the lock on locks.json (${err.message}); writes stopped until it is taken again.`;
    this.updateHealth();
    this.opts.logger?.error({ err }, 'the lock on locks.json was compromised');
  }

  private async releaseLock(release: () => Promise<void>): Promise<void> {
    try {
      await release();
    } catch (err) {
      this.opts.logger?.warn({ err }, 'releasing the lock on locks.json failed');
    }
  }

  private updateHealth(): void {
    const detail = this.parseProblem ?? this.writeProblem;
    if (this.health.detail !== detail) {
      this.health = { ok: detail === null, detail };
      for (const l of this.listeners) l.health(this.health);
    }
  }

  private emit(changes: LockChange[], source: 'api' | 'disk'): void {
    for (const l of this.listeners) l.changes(changes, source);
  }
}
