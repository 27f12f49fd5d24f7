import { randomUUID } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { DEFAULT_STALE_MS, lockFile } from '../locks/file-lock.js';
import type { ActivityEvent } from '../../shared/protocol.js';
import type { Logger } from '../logger.js';

/**
 * Entries kept in memory (between RING and 1.5 x RING): the page's history, subscribers catching
 * up, the checks for entries another server logged already. Older ones are read from the file.
 * (10,000 kept ~5 MB more, and in the soak that memory was still filling after its warm-up.)
 */
const RING = 2_000;

export type NewActivity = Omit<ActivityEvent, 'id' | 'at'> & { at?: string };

const optionalText = (v: unknown) => v === undefined || v === null || typeof v === 'string';

/** An entry as the log holds it: a line that parses but is not one (an array, wrong types) is not served. */
export function isActivityEvent(v: unknown): v is ActivityEvent {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const e = v as Record<string, unknown>;
  return (
    typeof e.id === 'string' && e.id.length > 0 && e.id.length <= 100 &&
    typeof e.at === 'string' && !Number.isNaN(Date.parse(e.at)) &&
    typeof e.type === 'string' && e.type.length <= 50 &&
    typeof e.source === 'string' &&
    optionalText(e.filename) && optionalText(e.user) && optionalText(e.message)
  );
}

/** Longest line read back; longer ones (not written by a server) are skipped. */
const MAX_LINE = 64 * 1024;

/** One line of the log; a blank or torn line (a writer cut off), or one that is no entry, is skipped. */
function parseLine(line: string): ActivityEvent | null {
  if (!line.trim() || line.length > MAX_LINE) return null;
  try {
    const e: unknown = JSON.parse(line);
    return isActivityEvent(e) ? e : null;
  } catch {
    return null;
  }
}

/**
 * What to write before new lines so they start on a line of their own: a newline when the file
 * ends in a torn line (an append cut short by a crash or a full disk), else nothing. Without it
 * the next entry would be glued onto the torn one and lost with it.
 */
export function separatorFor(lastByte: number | null): string {
  return lastByte === null || lastByte === 0x0a ? '' : '\n';
}

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
  private offset = 0;
  private total = 0;
  private polling: Promise<void> = Promise.resolve();
  private listeners: Array<(e: ActivityEvent) => void> = [];
  private pendingWrites: () => Promise<void> = () => Promise.resolve();

  constructor(
    readonly file: string,
    private readonly logger?: Logger,
    /** proper-lockfile's stale period for the log's own lock (appendOnce). */
    private readonly staleMs = DEFAULT_STALE_MS,
  ) {}

  /** Reads what is there; those entries are history, not news, so nobody is told of them. */
  async open(): Promise<void> {
    await this.poll(false);
  }

  /**
   * What a query waits for first: writes other servers may be waiting on (the lock store finishes
   * a batch's bookkeeping after answering, and journals a hand edit after publishing it), so a
   * query never races a half-finished batch. Bounded: a batch waiting for a dead server's lock
   * (up to the stale period) does not hold reads back for longer than `QUERY_WAIT_MS`.
   */
  waitBeforeQuery(pending: () => Promise<void>): void {
    this.pendingWrites = pending;
  }

  onAppend(listener: (e: ActivityEvent) => void): void {
    this.listeners.push(listener);
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
    if (size < this.offset) this.offset = 0; // truncated or replaced by hand: start over
    if (size === this.offset) return;
    const fh = await open(this.file, 'r');
    let text: string;
    try {
      const buf = Buffer.alloc(size - this.offset);
      const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
      text = buf.subarray(0, bytesRead).toString('utf8');
    } finally {
      await fh.close();
    }
    // Only whole lines: another server may be half-way through its write.
    const end = text.lastIndexOf('\n');
    if (end < 0) return;
    this.offset += Buffer.byteLength(text.slice(0, end + 1));
    for (const line of text.slice(0, end).split('\n')) {
      const e = parseLine(line);
      if (!e) continue;
      this.recent.push(e);
      this.total++;
      if (notify) for (const l of this.listeners) l(e);
    }
    if (this.recent.length > RING * 1.5) this.recent = this.recent.slice(-RING);
  }

  /** The last `limit` entries, or the (first `limit`) entries after the one with id `after`. */
  async query(limit: number, after?: string): Promise<ActivityEvent[]> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.pendingWrites(), new Promise<void>((resolve) => (timer = setTimeout(resolve, QUERY_WAIT_MS)))]);
    clearTimeout(timer);
    await this.poll();
    if (after === undefined) return limit > this.recent.length && this.total > this.recent.length ? this.scanLast(limit) : this.recent.slice(-limit);
    const i = this.recent.findIndex((e) => e.id === after);
    if (i >= 0) return this.recent.slice(i + 1, i + 1 + limit);
    if (this.total > this.recent.length) return this.scanAfter(limit, after);
    return this.recent.slice(-limit);
  }

  // More than the in-memory window holds: the file's last `limit` entries.
  private async scanLast(limit: number): Promise<ActivityEvent[]> {
    const fh = await open(this.file, 'r');
    const ring: ActivityEvent[] = [];
    let n = 0;
    try {
      for await (const line of fh.readLines()) {
        const e = parseLine(line);
        if (e) ring[n++ % limit] = e;
      }
    } finally {
      await fh.close();
    }
    return n <= limit ? ring : [...ring.slice(n % limit), ...ring.slice(0, n % limit)];
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
