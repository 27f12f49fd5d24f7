import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ActivityEvent } from '../../shared/protocol.js';
import { parseLine } from '../activity/activity-lines.js';
import type { Logger } from '../logger.js';
import { writeFileAtomic } from '../storage/durable-files.js';
import { lockFile } from '../storage/file-lock.js';

const FIRST_RETRY_MS = 1000;
const LONGEST_RETRY_MS = 5 * 60_000;
/** How often a follower that keeps handling entries writes down its place. */
const CURSOR_EVERY_MS = 250;
/** Log bytes read per step (entries are at most 64 KB). */
const READ_BYTES = 256 * 1024;
/** New entries are looked at this long after the first wake: a busy log is read in batches, not line by line. */
const GATHER_MS = 50;

export interface FollowerOptions {
  /** `<data>/activity.jsonl`: the queue itself (durable, ordered, shared by the servers). */
  activityFile: string;
  /** Where the place is kept (JSON `{key, offset}`); its inter-process lock says who follows. */
  cursorFile: string;
  /** Written into the cursor, so a person looking at the folder knows whose it is. */
  key: string;
  staleMs: number;
  logger: Logger;
  /** One entry, in the log's order. False: it failed, and is tried again after the backoff. */
  handle(entry: ActivityEvent): Promise<boolean>;
  /** Waited for before each entry (webhooks: while the server is busy with commands). */
  pace?(): Promise<void>;
  /** After a failure: true when the entry is given up (the follower goes on past it). */
  giveUp?(entry: ActivityEvent): boolean;
  firstRetryMs?: number;
}

interface Cursor {
  key: string;
  offset: number;
}

/**
 * Follows the activity log from a cursor of its own, entry after entry, at least once: webhooks
 * and personal notices both take the log as their queue. The cursor is written every
 * CURSOR_EVERY_MS and at the end, not fsynced (a crash may bring back the last entries, with the
 * same ids), so a restart or a kill -9 goes on from there. Servers sharing the data folder follow
 * through one of them at a time (the cursor's lock); a server that cannot take it looks again
 * after the stale period.
 */
export class LogFollower {
  /** When handling started failing (null: it is not failing now). */
  failingSince: number | null = null;
  private running = false;
  private wanted = false;
  private timer: NodeJS.Timeout | null = null;
  private gathering: NodeJS.Timeout | null = null;
  private retryMs: number;
  private closed = false;
  /** The cursor's lock, once this server follows: kept until close (or until it is lost). */
  private release: (() => Promise<void>) | null = null;

  constructor(private readonly o: FollowerOptions) {
    this.retryMs = o.firstRetryMs ?? FIRST_RETRY_MS;
  }

  /** A new cursor starts at the log's end (what comes next), then pending entries are handled. */
  async start(): Promise<void> {
    await mkdir(dirname(this.o.cursorFile), { recursive: true });
    if (!(await this.readCursor())) {
      const end = await stat(this.o.activityFile).then((s) => s.size, () => 0);
      await writeFileAtomic(this.o.cursorFile, JSON.stringify({ key: this.o.key, offset: end } satisfies Cursor) + '\n');
    }
    this.wake();
  }

  /** New entries were appended (by anyone): looked at shortly, with whatever else comes meanwhile. */
  wake(): void {
    if (this.gathering || this.closed) return;
    this.gathering = setTimeout(() => {
      this.gathering = null;
      void this.run();
    }, GATHER_MS);
    this.gathering.unref();
  }

  /** A handler that succeeded after failures calls this: the backoff starts again from the first wait. */
  recovered(): void {
    this.failingSince = null;
    this.retryMs = this.o.firstRetryMs ?? FIRST_RETRY_MS;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.gathering) clearTimeout(this.gathering);
    for (let i = 0; i < 100 && this.running; i++) await new Promise((r) => setTimeout(r, 20));
    await this.release?.().catch(() => undefined);
    this.release = null;
  }

  private async run(): Promise<void> {
    if (this.closed) return;
    if (this.running) {
      this.wanted = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.wanted = false;
        await this.underLock();
      } while (this.wokenMeanwhile());
    } catch (err) {
      this.o.logger.warn({ err, follower: this.o.key }, 'following the activity log stopped; tried again later');
      this.later();
    } finally {
      this.running = false;
    }
  }

  /** Woken while it was handling entries (set by `run` from another call). */
  private wokenMeanwhile(): boolean {
    return this.wanted && !this.closed;
  }

  /**
   * Takes the cursor's lock the first time and keeps it (proper-lockfile keeps it fresh): one
   * server follows until it stops or dies, and the others look again after the stale period.
   */
  private async underLock(): Promise<void> {
    if (!this.release) {
      try {
        this.release = await lockFile(this.o.cursorFile, { staleMs: this.o.staleMs, waitMs: 0, onCompromised: () => (this.release = null) });
      } catch {
        // Another server follows now, or one that died holds the lock until it is stale.
        this.retryIn(this.o.staleMs);
        return;
      }
    }
    const cursor = await this.readCursor();
    if (cursor) await this.handleFrom(cursor.offset);
  }

  private async handleFrom(from: number): Promise<void> {
    // The log replaced or cut short by hand: go on from its end.
    let offset = Math.min(from, await stat(this.o.activityFile).then((s) => s.size, () => 0));
    let saved = from;
    let savedAt = Date.now();
    const save = async () => {
      await writeFileAtomic(this.o.cursorFile, JSON.stringify({ key: this.o.key, offset } satisfies Cursor) + '\n', { durable: false });
      saved = offset;
      savedAt = Date.now();
    };
    try {
      for (let lines = await this.linesAt(offset); lines.length > 0; lines = await this.linesAt(offset)) {
        for (const line of lines) {
          if (this.closed) return;
          if (this.o.pace) await this.o.pace();
          if (line.entry && !(await this.o.handle(line.entry)) && !this.givenUp(line.entry)) return;
          offset = line.end;
          if (Date.now() - savedAt >= CURSOR_EVERY_MS) await save();
        }
      }
    } finally {
      if (offset !== saved) await save();
    }
  }

  /** After a failure: given up (go on), or a retry is set. */
  private givenUp(entry: ActivityEvent): boolean {
    this.failingSince ??= Date.now();
    if (this.o.giveUp?.(entry)) return true;
    this.later();
    return false;
  }

  /** Tried again after the backoff, which doubles up to LONGEST_RETRY_MS. */
  private later(): void {
    const wait = this.retryMs * (0.75 + Math.random() / 2);
    this.retryMs = Math.min(LONGEST_RETRY_MS, this.retryMs * 2);
    this.retryIn(wait);
  }

  private retryIn(wait: number): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run();
    }, wait);
    this.timer.unref();
  }

  /** The whole lines from `offset` on (up to READ_BYTES of them): each entry (null: a line that is none) and where the next starts. */
  private async linesAt(offset: number): Promise<Array<{ entry: ActivityEvent | null; end: number }>> {
    const fh = await open(this.o.activityFile, 'r').catch(() => null);
    if (!fh) return [];
    try {
      const buf = Buffer.allocUnsafe(READ_BYTES);
      const { bytesRead } = await fh.read(buf, 0, READ_BYTES, offset);
      const out: Array<{ entry: ActivityEvent | null; end: number }> = [];
      let start = 0;
      for (let nl = buf.indexOf(0x0a, 0); nl >= 0 && nl < bytesRead; nl = buf.indexOf(0x0a, start)) {
        out.push({ entry: parseLine(buf.toString('utf8', start, nl)), end: offset + nl + 1 });
        start = nl + 1;
      }
      // A line longer than any entry is skipped; a line still being written waits.
      if (out.length === 0 && bytesRead === READ_BYTES) out.push({ entry: null, end: offset + bytesRead });
      return out;
    } finally {
      await fh.close();
    }
  }

  private async readCursor(): Promise<Cursor | null> {
    try {
      const c = JSON.parse(await readFile(this.o.cursorFile, 'utf8')) as Partial<Cursor> & { url?: string };
      return typeof c.offset === 'number' && c.offset >= 0 ? { key: String(c.key ?? c.url), offset: c.offset } : null;
    } catch {
      return null;
    }
  }
}
