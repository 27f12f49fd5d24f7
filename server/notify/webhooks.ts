import { createHash, createHmac } from 'node:crypto';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ActivityEvent } from '../../shared/protocol.js';
import { parseLine } from '../activity/activity-lines.js';
import type { Logger } from '../logger.js';
import { writeFileAtomic } from '../storage/durable-files.js';
import { lockFile } from '../storage/file-lock.js';

/** How long an entry is retried before it is given up (counted as dropped). */
const RETRY_FOR_MS = 24 * 3600_000;
const FIRST_RETRY_MS = 1000;
const LONGEST_RETRY_MS = 5 * 60_000;
/** One POST's limit: a hook that hangs is a failed delivery, retried. */
const DELIVERY_TIMEOUT_MS = 10_000;
/** How often a hook that keeps delivering writes down its place. */
const CURSOR_EVERY_MS = 250;
/** Log bytes read per step (entries are at most 64 KB). */
const READ_BYTES = 256 * 1024;

/** What a hook has done, for /metrics and /api/health's detail. */
export interface HookFigures {
  url: string;
  delivered: number;
  failed: number;
  dropped: number;
  lastDelivered: string | null;
  lastError: string | null;
}

export interface WebhookOptions {
  urls: readonly string[];
  /** HMAC key of `X-PDM-Signature` (none: the header is left out). */
  secret: string | null;
  /** `<data>/activity.jsonl`: the queue itself (durable, ordered, shared by the servers). */
  activityFile: string;
  dataDir: string;
  staleMs: number;
  logger: Logger;
  /** Tests: a clock and a shorter first retry. */
  now?: () => number;
  firstRetryMs?: number;
}

/** The hook's cursor: the log offset up to which every entry was delivered (or given up). */
interface Cursor {
  url: string;
  offset: number;
}

/**
 * Webhooks (CONTRACT §19): every activity entry POSTed as JSON to each hook, in the log's order,
 * signed (`X-PDM-Signature: sha256=<hex HMAC of the body>`) and named (`X-PDM-Delivery: <id>`).
 * The activity log is the queue: each hook keeps a cursor in `<data>/webhooks/`, written after
 * each delivery, so a restart or a kill -9 goes on from there (at least once: an entry delivered
 * just before a crash comes again with the same id). Servers sharing the data folder deliver
 * through one of them at a time (the cursor's inter-process lock). Nothing here is on the
 * check-out path: delivery runs behind it.
 */
export class Webhooks {
  private readonly hooks: Array<{ url: string; cursorFile: string; figures: HookFigures; running: boolean; wanted: boolean; timer: NodeJS.Timeout | null; retryMs: number; failingSince: number | null }>;
  private closed = false;

  constructor(private readonly o: WebhookOptions) {
    this.hooks = o.urls.map((url) => ({
      url,
      cursorFile: join(o.dataDir, 'webhooks', `${createHash('sha256').update(url).digest('hex').slice(0, 16)}.json`),
      figures: { url, delivered: 0, failed: 0, dropped: 0, lastDelivered: null, lastError: null },
      running: false,
      wanted: false,
      timer: null,
      retryMs: o.firstRetryMs ?? FIRST_RETRY_MS,
      failingSince: null,
    }));
  }

  /** Creates each hook's cursor at the log's end (a new hook starts with what comes next), then delivers what is pending. */
  async start(): Promise<void> {
    await mkdir(join(this.o.dataDir, 'webhooks'), { recursive: true });
    const end = await stat(this.o.activityFile).then((s) => s.size, () => 0);
    for (const h of this.hooks) {
      const cursor = await this.readCursor(h.cursorFile);
      if (!cursor) await writeFileAtomic(h.cursorFile, JSON.stringify({ url: h.url, offset: end } satisfies Cursor) + '\n');
    }
    this.wake();
  }

  /** New entries were appended (by anyone): each hook delivers what it has not. */
  wake(): void {
    for (const h of this.hooks) void this.run(h);
  }

  figures(): HookFigures[] {
    return this.hooks.map((h) => ({ ...h.figures }));
  }

  /** For /api/health's detail: a hook failing right now, or null. */
  problem(): string | null {
    const h = this.hooks.find((x) => x.failingSince !== null);
    return h ? `webhook ${h.url} failing since ${new Date(h.failingSince!).toISOString()} (${h.figures.lastError ?? 'error'}): entries are kept and retried for 24 h` : null;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const h of this.hooks) if (h.timer) clearTimeout(h.timer);
    for (let i = 0; i < 100 && this.hooks.some((h) => h.running); i++) await new Promise((r) => setTimeout(r, 20));
  }

  private async run(h: Webhooks['hooks'][number]): Promise<void> {
    if (this.closed) return;
    if (h.running) {
      h.wanted = true;
      return;
    }
    h.running = true;
    try {
      do {
        h.wanted = false;
        await this.deliverPending(h);
      } while (this.wokenMeanwhile(h));
    } catch (err) {
      this.o.logger.warn({ err, hook: h.url }, 'webhook delivery stopped; retried later');
      this.later(h);
    } finally {
      h.running = false;
    }
  }

  /** `close` was called (while a delivery was under way). */
  private stopping(): boolean {
    return this.closed;
  }

  /** Woken while it was delivering (set by `run` from another call). */
  private wokenMeanwhile(h: Webhooks['hooks'][number]): boolean {
    return h.wanted && !this.closed;
  }

  /** Under the cursor's lock: entry after entry from the cursor, until the end or a failure. */
  private async deliverPending(h: Webhooks['hooks'][number]): Promise<void> {
    let release: () => Promise<void>;
    try {
      release = await lockFile(h.cursorFile, { staleMs: this.o.staleMs, waitMs: 0 });
    } catch {
      // Another server delivers this hook now, or one that died holds the lock until it is stale:
      // look again then (a wake from a new entry may come sooner).
      this.retryIn(h, this.o.staleMs);
      return;
    }
    try {
      const cursor = await this.readCursor(h.cursorFile);
      if (cursor) await this.deliverFrom(h, cursor.offset);
    } finally {
      await release().catch(() => undefined);
    }
  }

  /**
   * Line after line from `offset` until the end of the log, or a failure (tried again later). The
   * place is written down every CURSOR_EVERY_MS and at the end, not fsynced: a crash may bring
   * back the last entries (at least once, same ids), and a busy log costs a small write now and
   * then instead of one per entry.
   */
  private async deliverFrom(h: Webhooks['hooks'][number], from: number): Promise<void> {
    // The log replaced or cut short by hand: go on from its end.
    let offset = Math.min(from, await stat(this.o.activityFile).then((s) => s.size, () => 0));
    let saved = from;
    let savedAt = Date.now();
    const save = async () => {
      await writeFileAtomic(h.cursorFile, JSON.stringify({ url: h.url, offset } satisfies Cursor) + '\n', { durable: false });
      saved = offset;
      savedAt = Date.now();
    };
    try {
      for (let lines = await this.linesAt(offset); lines.length > 0; lines = await this.linesAt(offset)) {
        for (const line of lines) {
          if (this.stopping()) return;
          if (line.entry && !(await this.post(h, line.entry)) && !this.givenUp(h, line.entry)) return;
          offset = line.end;
          if (Date.now() - savedAt >= CURSOR_EVERY_MS) await save();
        }
      }
    } finally {
      if (offset !== saved) await save();
    }
  }

  /** After a failed POST: true once the entry is older than RETRY_FOR_MS (dropped, counted); else a retry is set. */
  private givenUp(h: Webhooks['hooks'][number], entry: ActivityEvent): boolean {
    const now = this.o.now?.() ?? Date.now();
    h.failingSince ??= now;
    if (now - Date.parse(entry.at) < RETRY_FOR_MS) {
      this.later(h);
      return false;
    }
    h.figures.dropped++;
    return true;
  }

  /** A failed delivery: tried again after the backoff, which doubles up to LONGEST_RETRY_MS. */
  private later(h: Webhooks['hooks'][number]): void {
    const wait = h.retryMs * (0.75 + Math.random() / 2);
    h.retryMs = Math.min(LONGEST_RETRY_MS, h.retryMs * 2);
    this.retryIn(h, wait);
  }

  private retryIn(h: Webhooks['hooks'][number], wait: number): void {
    if (this.closed || h.timer) return;
    h.timer = setTimeout(() => {
      h.timer = null;
      void this.run(h);
    }, wait);
    h.timer.unref();
  }

  private async post(h: Webhooks['hooks'][number], entry: ActivityEvent): Promise<boolean> {
    const body = JSON.stringify(entry);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'pdm-live-webhook', 'x-pdm-delivery': entry.id };
    if (this.o.secret) headers['x-pdm-signature'] = `sha256=${createHmac('sha256', this.o.secret).update(body).digest('hex')}`;
    try {
      const res = await fetch(h.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS), redirect: 'manual' });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) {
        h.failingSince = null;
        h.retryMs = this.o.firstRetryMs ?? FIRST_RETRY_MS;
        h.figures.delivered++;
        h.figures.lastDelivered = new Date().toISOString();
        return true;
      }
      h.figures.lastError = `HTTP ${res.status}`;
    } catch (err) {
      h.figures.lastError = (err as Error).message;
    }
    h.figures.failed++;
    return false;
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

  private async readCursor(file: string): Promise<Cursor | null> {
    try {
      const c = JSON.parse(await readFile(file, 'utf8')) as Partial<Cursor>;
      return typeof c.offset === 'number' && c.offset >= 0 ? { url: String(c.url), offset: c.offset } : null;
    } catch {
      return null;
    }
  }
}
