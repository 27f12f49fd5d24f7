import { randomUUID } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { DEFAULT_STALE_MS, lockFile } from '../storage/file-lock.js';
import type { ActivityEvent, HistoryBody } from '../../shared/protocol.js';
import type { Logger } from '../logger.js';
import { MAX_LINE, parseLine, separatorFor } from './activity-lines.js';
import { entriesAt, searchBackward, type ActivityFilter } from './activity-search.js';
import { ScanLimit } from './scan-limit.js';
import { loadCheckpoint, saveCheckpoint } from './activity-checkpoint.js';
import { HoldIndex } from './hold-index.js';

export { isActivityEvent, separatorFor } from './activity-lines.js';

/**
 * Entries kept in memory (between RING and 1.5 x RING): the page's history, subscribers catching
 * up, the checks for entries another server logged already. Older ones are read from the file.
 * (10,000 kept ~5 MB more, and in the soak that memory was still filling after its warm-up.)
 */
const RING = 2_000;
/** How much of the log one read takes in. */
const READ_CHUNK = 1024 * 1024;
/** Entries read between two checkpoints of the hold index (a checkpoint of 1,000,000 entries' holds is ~30 MB). */
const CHECKPOINT_EVERY = 20_000;

export type NewActivity = Omit<ActivityEvent, 'id' | 'at'> & { at?: string };

/** Ids are unique across servers sharing the log; order is the file's order. */
export function makeActivity(a: NewActivity): ActivityEvent {
  return { id: randomUUID(), at: a.at ?? new Date().toISOString(), ...a };
}

/** The longest a query waits for batches in flight before it answers what is on disk. */
const QUERY_WAIT_MS = 1000;

/**
 * `<data>/activity.jsonl`: appended by every server that shares the data folder, tailed by each
 * so that every entry (its own or another server's) reaches its listeners exactly once.
 */
export class ActivityLog {
  private recent: ActivityEvent[] = [];
  /** Where each of `recent` starts in the file (a page `before` one of them reads back from there). */
  private recentAt: number[] = [];
  private offset = 0;
  private total = 0;
  /** Inside a line longer than any entry: skipped up to its end. */
  private skipping = false;
  private readonly holds = new HoldIndex();
  private sinceCheckpoint = 0;
  private checkpointing: Promise<void> | null = null;
  private polling: Promise<void> = Promise.resolve();
  private listener: (e: ActivityEvent) => void = () => undefined;
  private pendingWrites: () => Promise<void> = () => Promise.resolve();

  constructor(
    readonly file: string,
    private readonly logger?: Logger,
    /** proper-lockfile's stale period for the log's own lock (appendOnce). */
    private readonly staleMs = DEFAULT_STALE_MS,
  ) {}

  /**
   * Reads what is there; those entries are history, not news, so nobody is told of them. A
   * checkpoint of the hold index (beside the log) saves reading what it covers again: then only
   * the last entries before it are read back, for the in-memory window.
   */
  async open(): Promise<void> {
    const c = await loadCheckpoint(this.checkpointFile, this.file);
    if (c && this.holds.restore(c.index)) {
      this.offset = c.offset;
      this.total = c.total;
      const before = await searchBackward(this.file, c.offset, {}, RING);
      this.recent = before;
      this.recentAt = before.map(() => -1);
    }
    await this.poll(false);
    if (this.sinceCheckpoint >= CHECKPOINT_EVERY) this.checkpoint();
  }

  /** Writes the hold index's checkpoint (what a stop does; also every CHECKPOINT_EVERY entries). */
  async close(): Promise<void> {
    await this.polling;
    if (this.sinceCheckpoint > 0) this.checkpoint();
    await this.checkpointing;
  }

  private get checkpointFile(): string {
    return this.file.replace(/\.jsonl$/, '') + '.index.json';
  }

  private checkpoint(): void {
    if (this.checkpointing) return;
    this.sinceCheckpoint = 0;
    const snapshot = { offset: this.offset, total: this.total, index: this.holds.checkpoint() };
    this.checkpointing = saveCheckpoint(this.checkpointFile, this.file, snapshot)
      .catch((err: unknown) => this.logger?.warn({ err }, 'writing the activity index failed'))
      .finally(() => (this.checkpointing = null));
  }

  /** One file's holds and their statistics, from the index (all servers' entries). */
  async history(filename: string, limit: number): Promise<HistoryBody> {
    await this.settle();
    return this.holds.history(filename, limit, (offsets) => entriesAt(this.file, offsets), this.sameName);
  }

  private sameName: ((a: string, b: string) => boolean) | undefined;

  /** On a vault that does not tell some spellings apart: a file's history includes its other spellings'. */
  sameFile(same: (a: string, b: string) => boolean): void {
    this.sameName = same;
  }

  /**
   * The newest `limit` entries that match `filter`, oldest first; `before`: older than that
   * entry. Read backwards from the end of the file, or from `before`'s line when it is recent.
   */
  async search(filter: ActivityFilter, limit: number, before?: string): Promise<ActivityEvent[]> {
    await this.settle();
    const i = before === undefined ? -1 : this.recent.findIndex((e) => e.id === before);
    const at = i >= 0 ? this.recentAt[i]! : -1;
    return this.scans.run(() => (at >= 0 ? searchBackward(this.file, at, filter, limit) : searchBackward(this.file, this.offset, filter, limit, before)));
  }

  /** Searches that may read the whole log take turns (see ScanLimit). */
  readonly scans = new ScanLimit();

  /**
   * What a query waits for first: writes other servers may be waiting on (the lock store finishes
   * a batch's bookkeeping after answering, and journals a hand edit after publishing it), so a
   * query never races a half-finished batch. Bounded: a batch waiting for a dead server's lock
   * (up to the stale period) does not hold reads back for longer than `QUERY_WAIT_MS`.
   */
  waitBeforeQuery(pending: () => Promise<void>): void {
    this.pendingWrites = pending;
  }

  /** Where every entry goes once read (the publisher: set once, by createApp). */
  sendTo(listener: (e: ActivityEvent) => void): void {
    this.listener = listener;
  }

  /**
   * Entries this server appended at byte `at` (its commit thread wrote them): taken as they are
   * when nothing came between (no other server appended since the last read), else read back
   * from the file with whatever did, in the file's order.
   */
  adopt(entries: readonly ActivityEvent[], at: number, bytes: readonly number[]): Promise<void> {
    this.polling = this.polling
      .then(async () => {
        if (at !== this.offset || this.skipping) return this.readNew(true);
        let pos = at;
        entries.forEach((e, i) => {
          this.keep(e, pos, true);
          pos += bytes[i]!;
        });
        this.offset = pos;
        this.trim();
        if (this.sinceCheckpoint >= CHECKPOINT_EVERY) this.checkpoint();
      })
      .catch((err: unknown) => this.logger?.warn({ err }, 'reading activity log failed'));
    return this.polling;
  }

  /** Appends durably (one write, fsync); publishes the new entries unless `publish` is false. */
  async append(events: ActivityEvent[], publish = true): Promise<void> {
    if (events.length === 0) return;
    const fh = await open(this.file, 'a+', 0o644);
    try {
      const { size } = await fh.stat();
      const last = size > 0 ? (await fh.read(Buffer.alloc(1), 0, 1, size - 1)).buffer[0]! : null;
      await fh.write(separatorFor(last) + events.map((e) => JSON.stringify(e) + '\n').join(''));
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (publish) await this.poll();
  }

  /**
   * Appends the events no other server has logged yet (same key among recent entries), under an
   * inter-process lock: for changes every server sees, like a file dropped into a shared vault.
   */
  async appendOnce(events: ActivityEvent[], key: (e: ActivityEvent) => string): Promise<void> {
    if (events.length === 0) return;
    const release = await lockFile(this.file, { staleMs: this.staleMs, onCompromised: (err) => this.logger?.warn({ err }, 'activity log lock compromised') });
    try {
      await this.poll();
      const seen = new Set(this.recent.slice(-2000).map(key));
      await this.append(events.filter((e) => !seen.has(key(e))));
    } finally {
      await release().catch(() => undefined);
    }
  }

  /** The newest entry for each of `filenames` that `match` accepts, after reading what others appended. */
  async latest(filenames: ReadonlySet<string>, match: (e: ActivityEvent) => boolean): Promise<Map<string, ActivityEvent>> {
    await this.poll();
    const found = new Map<string, ActivityEvent>();
    for (let i = this.recent.length - 1; i >= 0 && found.size < filenames.size; i--) {
      const e = this.recent[i]!;
      if (e.filename && filenames.has(e.filename) && !found.has(e.filename) && match(e)) found.set(e.filename, e);
    }
    return found;
  }

  /** Reads entries appended since the last poll (by anyone); serialised so none is read twice. */
  poll(notify = true): Promise<void> {
    this.polling = this.polling.then(() => this.readNew(notify)).catch((err: unknown) => this.logger?.warn({ err }, 'reading activity log failed'));
    return this.polling;
  }

  private async readNew(notify: boolean): Promise<void> {
    const size = await stat(this.file).then((s) => s.size, () => 0);
    if (size < this.offset) this.startOver(); // truncated or replaced by hand
    if (size === this.offset) return;
    const fh = await open(this.file, 'r');
    try {
      // In chunks: a start on a log of a million entries must not hold it all in memory at once.
      let pos = this.offset;
      let carry: Buffer | null = null;
      while (pos < size) {
        const n = Math.min(READ_CHUNK, size - pos);
        const buf = Buffer.allocUnsafe(n);
        const { bytesRead } = await fh.read(buf, 0, n, pos);
        if (bytesRead === 0) break;
        const chunk: Buffer = carry ? Buffer.concat([carry, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
        const chunkAt = pos - (carry?.length ?? 0);
        pos += bytesRead;
        let line = 0;
        // Only whole lines: another server may be half-way through its write.
        for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, line)) {
          if (this.skipping) this.skipping = false;
          else this.take(chunk.toString('utf8', line, nl), chunkAt + line, notify);
          line = nl + 1;
        }
        this.offset = chunkAt + line;
        carry = line < chunk.length ? chunk.subarray(line) : null;
        if (carry && carry.length > MAX_LINE) {
          // Longer than any entry a server writes: not kept in memory while its end is awaited.
          this.skipping = true;
          this.offset = pos;
          carry = null;
        }
      }
    } finally {
      await fh.close();
    }
    this.trim();
    if (this.sinceCheckpoint >= CHECKPOINT_EVERY && notify) this.checkpoint();
  }

  private trim(): void {
    if (this.recent.length > RING * 1.5) {
      this.recent = this.recent.slice(-RING);
      this.recentAt = this.recentAt.slice(-RING);
    }
  }

  private take(line: string, at: number, notify: boolean): void {
    const e = parseLine(line);
    if (e) this.keep(e, at, notify);
  }

  private keep(e: ActivityEvent, at: number, notify: boolean): void {
    this.recent.push(e);
    this.recentAt.push(at);
    this.total++;
    this.sinceCheckpoint++;
    this.holds.add(e, at);
    if (notify) this.listener(e);
  }

  private startOver(): void {
    this.offset = 0;
    this.total = 0;
    this.skipping = false;
    this.recent = [];
    this.recentAt = [];
    this.holds.clear();
  }

  /** Batches in flight first (bounded), then what others appended. */
  private async settle(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.pendingWrites(), new Promise<void>((resolve) => (timer = setTimeout(resolve, QUERY_WAIT_MS)))]);
    clearTimeout(timer);
    await this.poll();
  }

  /** The last `limit` entries, or the (first `limit`) entries after the one with id `after`. */
  async query(limit: number, after?: string): Promise<ActivityEvent[]> {
    await this.settle();
    if (after === undefined) return limit > this.recent.length && this.total > this.recent.length ? searchBackward(this.file, this.offset, {}, limit) : this.recent.slice(-limit);
    const i = this.recent.findIndex((e) => e.id === after);
    if (i >= 0) return this.recent.slice(i + 1, i + 1 + limit);
    if (this.total > this.recent.length) return this.scanAfter(limit, after);
    return this.recent.slice(-limit);
  }

  // Older than the in-memory window: read the file from the start (rare: a long-gone subscriber).
  private async scanAfter(limit: number, after: string): Promise<ActivityEvent[]> {
    const fh = await open(this.file, 'r');
    const out: ActivityEvent[] = [];
    let found = false;
    try {
      for await (const line of fh.readLines()) {
        const e = parseLine(line);
        if (!e) continue;
        if (found) {
          out.push(e);
          if (out.length >= limit) break;
        } else if (e.id === after) found = true;
      }
    } finally {
      await fh.close();
    }
    return found ? out : this.recent.slice(-limit);
  }
}
