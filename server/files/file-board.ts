import { compareNames } from '../../shared/file-names.js';
import { lockFields, queueOf } from '../../shared/file-status.js';
import type { FileStatus, HealthBody, LocksMap, RevisionedEvent, SnapshotPayload } from '../../shared/protocol.js';
import type { LockChange } from '../locks/lock-diff.js';
import type { LockStore } from '../locks/lock-store.js';
import type { VaultChange, VaultIndex } from '../vault/vault-index.js';
import type { VaultFileStat } from '../vault/vault-paths.js';
import type { StateChange, StateFields } from '../states/state-store.js';
import { FIRST, newRevision } from '../states/state-rules.js';

export interface BoardListener {
  /** Revisioned events in order; several at once when they happened together. */
  events(events: RevisionedEvent[]): void;
  health(health: HealthBody): void;
}

/**
 * The merged view every client sees: vault files with their locks, and the revision that grows
 * by exactly one per change on this server.
 */
export class FileBoard {
  private revision = 0;
  private out: BoardListener = { events: () => undefined, health: () => undefined };
  /** Files whose `queue` a hand edit made unreadable (ignored for hand-off, reported in health). */
  private readonly badQueues = new Set<string>();

  constructor(
    private readonly index: VaultIndex,
    private readonly store: LockStore,
    /** Names flagged `edited_unlocked`. */
    private readonly warned: (name: string) => boolean = () => false,
    /** `--protect`: whether the file is read-only on the share now. */
    private readonly isProtected: (name: string) => boolean = () => false,
    /** A problem besides the store's for /api/health's detail (files --protect cannot change). */
    private readonly otherProblem: () => string | null = () => null,
    /** Each file's release state (states.json; a draft at A when none). */
    private readonly stateOf: (name: string) => StateFields = () => ({ ...FIRST, state_changed: null }),
  ) {}

  /** Where the board's events go (the publisher: set once, by createApp). */
  sendTo(out: BoardListener): void {
    this.out = out;
  }

  getRevision(): number {
    return this.revision;
  }

  health(): HealthBody {
    const h = this.store.getHealth();
    const cluster = this.clusterState?.() ?? null;
    const body: HealthBody = { status: h.ok ? 'ok' : 'degraded', locks: h.ok ? 'ok' : 'unavailable', detail: h.detail ?? this.otherProblem() ?? this.queueProblem(), revision: this.revision };
    if (cluster === null) return body;
    const away = cluster === 'degraded';
    return { ...body, status: away ? 'degraded' : body.status, detail: body.detail ?? (away ? 'Redis (--cluster) is unreachable: this node goes on from the share alone and catches up when it is back.' : null), cluster };
  }

  /** `--cluster`: the health says how the link between the nodes is. */
  followCluster(state: () => 'ok' | 'degraded'): void {
    this.clusterState = state;
  }

  private clusterState: (() => 'ok' | 'degraded') | null = null;

  private queueProblem(): string | null {
    if (this.badQueues.size === 0) return null;
    const names = [...this.badQueues].slice(0, 5).join(', ');
    return `locks.json: the queue of ${names}${this.badQueues.size > 5 ? ` and ${this.badQueues.size - 5} more` : ''} is not a list of {"user"} records: it is ignored for hand-off until fixed.`;
  }

  /** Tells listeners the health again (its detail changed outside the store). */
  announceHealth(): void {
    this.out.health(this.health());
  }

  /**
   * The file as the vault index has it: a regular file reached without any link, as of the last
   * watcher event (deletions are seen at once, new files once settled). undefined when not indexed.
   */
  indexed(name: string): VaultFileStat | undefined {
    return this.index.get(name);
  }

  /**
   * A tracked file that exists, or a lock on one that no longer does; null when neither. `stat`:
   * the caller's own, for a file the watcher may not have reported yet (just created).
   */
  status(name: string, stat: VaultFileStat | null | undefined = this.index.get(name)): FileStatus | null {
    if (!stat && !this.store.get(name)) return null;
    return this.statusOf(name, stat);
  }

  /** As `status`, and for a file that is gone with no lock either: available, of no size. */
  statusOf(name: string, stat: VaultFileStat | null | undefined = this.index.get(name)): FileStatus {
    const l = lockFields(this.store.get(name));
    // In the contract's field order.
    return {
      name,
      size_bytes: stat ? stat.size : null,
      modified: stat ? new Date(stat.mtimeMs).toISOString() : null,
      status: l.status,
      locked_by: l.locked_by,
      lock: l.lock,
      warning: this.warned(name) ? 'edited_unlocked' : null,
      protected: stat ? this.isProtected(name) : false,
      queue: l.queue,
      ...this.stateOf(name),
    };
  }

  private filesCache: { revision: number; files: FileStatus[] } | null = null;

  /**
   * Every tracked file, by name. Built once per revision (every change that alters the list
   * bumps it): at 100,000 files building it costs ~100 ms, and every connecting socket needs it.
   * Shared between callers: never mutate it.
   */
  files(): FileStatus[] {
    if (this.filesCache?.revision !== this.revision) this.filesCache = { revision: this.revision, files: this.index.names().map((n) => this.status(n)!) };
    return this.filesCache.files;
  }

  /** Each file's JSON, kept until a change names that file (see `invalidate`). */
  private rows = new Map<string, string>();

  /**
   * `{"revision","files"}` as JSON, from per-file fragments: after a change only the changed
   * files are serialised again (100,000 files: ~40 ms instead of ~300 ms for the whole list).
   */
  filesJson(): string {
    const parts = this.index.names().map((n) => {
      let row = this.rows.get(n);
      if (row === undefined) this.rows.set(n, (row = JSON.stringify(this.status(n))));
      return row;
    });
    return `{"revision":${this.revision},"files":[${parts.join(',')}]}`;
  }

  private invalidate(name: string): void {
    this.rows.delete(name);
  }

  locks(): LocksMap {
    const locks = this.store.snapshot();
    const out: LocksMap = {};
    for (const name of Object.keys(locks).sort(compareNames)) out[name] = locks[name]!;
    return out;
  }

  snapshot(): SnapshotPayload {
    return { revision: this.revision, files: this.files(), locks: this.locks(), health: this.health() };
  }

  /** Publishes vault changes (the index already holds them); `versions` adds a version number. */
  onVaultChanges(changes: VaultChange[], versions: ReadonlyMap<string, number> = new Map(), by?: string): void {
    const events: RevisionedEvent[] = changes.map((c): RevisionedEvent => {
      this.invalidate(c.name);
      if (c.kind === 'removed') return { event: 'file:removed', data: { revision: ++this.revision, filename: c.name } };
      const file = this.status(c.name)!;
      if (c.kind === 'added') return { event: 'file:added', data: { revision: ++this.revision, file } };
      const version = versions.get(c.name);
      return { event: 'file:changed', data: { revision: ++this.revision, file, ...(version ? { version } : {}), ...(by ? { by } : {}) } };
    });
    this.publish(events);
  }

  /** A file's status changed without a lock or content change (its warning was cleared). */
  touch(name: string): void {
    this.touchMany([name]);
  }

  /** Re-reads files whose status changed outside the store and the index, in one publish. */
  touchMany(names: readonly string[]): void {
    const events: RevisionedEvent[] = [];
    for (const name of names) {
      this.invalidate(name);
      const file = this.status(name);
      if (file?.size_bytes !== null && file) events.push({ event: 'file:changed', data: { revision: ++this.revision, file } });
    }
    this.publish(events);
  }

  /** Release states that changed, as `file:state` events (told by the publisher). */
  stateChanges(changes: readonly StateChange[]): void {
    const events: RevisionedEvent[] = [];
    for (const c of changes) {
      this.invalidate(c.filename);
      if (!this.index.get(c.filename) && !this.store.get(c.filename)) continue;
      const now = this.stateOf(c.filename);
      const changed = now.state_changed ?? { by: '', at: '', comment: null };
      events.push({ event: 'file:state', data: { board_revision: ++this.revision, filename: c.filename, state: now.state, revision: now.revision, ...changed } });
    }
    this.publish(events);
  }

  /** The store's changes as lock events, each with its revision (told by the publisher). */
  lockChanges(changes: readonly LockChange[], source: 'api' | 'disk'): void {
    const hadBadQueues = this.badQueues.size;
    const events: RevisionedEvent[] = changes.map((c): RevisionedEvent => {
      this.invalidate(c.filename);
      if (c.after && queueOf(c.after) === null) this.badQueues.add(c.filename);
      else this.badQueues.delete(c.filename);
      const revision = ++this.revision;
      if (!c.before) {
        const started = newRevision(this.stateOf(c.filename), c.after!);
        return { event: 'lock:acquired', data: { revision, filename: c.filename, lock: c.after!, source, ...(c.meta?.handoff ? { handoff: true } : {}), ...(started ? { new_revision: started } : {}) } };
      }
      if (!c.after) {
        return {
          event: 'lock:released',
          data: { revision, filename: c.filename, previous: c.before, by: c.meta?.by ?? null, forced: c.meta?.forced === true, source, ...(c.meta?.reason ? { reason: c.meta.reason } : {}) },
        };
      }
      return { event: 'lock:updated', data: { revision, filename: c.filename, lock: c.after, previous: c.before, source } };
    });
    this.publish(events);
    if (hadBadQueues !== this.badQueues.size) this.announceHealth();
  }

  private publish(events: RevisionedEvent[]): void {
    if (events.length > 0) this.out.events(events);
  }
}
