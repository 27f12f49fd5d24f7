import { open, type FileHandle } from 'node:fs/promises';
import type { ActivityEvent, ActivityType } from '../../shared/protocol.js';
import { parseLine, MAX_LINE } from './activity-lines.js';
import { containsText } from '../../shared/text-match.js';

/** `GET /api/activity`'s filters; every one given must match. */
export interface ActivityFilter {
  filename?: string | undefined;
  user?: string | undefined;
  types?: ReadonlySet<ActivityType> | undefined;
  /** Epoch ms, inclusive. */
  since?: number | undefined;
  until?: number | undefined;
  /** `filename` and `user` match part of the text, ignoring case and width (`match=part`). */
  part?: boolean | undefined;
}

export function matches(e: ActivityEvent, f: ActivityFilter): boolean {
  if (f.filename !== undefined && !(f.part ? containsText(e.filename, f.filename) : e.filename === f.filename)) return false;
  if (f.user !== undefined && !(f.part ? containsText(e.user, f.user) : e.user === f.user)) return false;
  if (f.types && !f.types.has(e.type)) return false;
  if (f.since === undefined && f.until === undefined) return true;
  const at = Date.parse(e.at);
  return (f.since === undefined || at >= f.since) && (f.until === undefined || at <= f.until);
}

const CHUNK = 256 * 1024;
/**
 * Entries of several servers are appended in the order they got the file, not strictly by time:
 * a scan for `since` goes on this far past the first older entry before it stops.
 */
const CLOCK_SLACK_MS = 60_000;

/**
 * The newest `limit` entries that match, oldest first, read backwards from `end` (a byte offset
 * at a line start): a filtered page costs the lines back to the `limit`-th match (or to `since`),
 * not a read of the whole log. `before`: only entries older than the one with that id (found on
 * the way when its offset is not known).
 */
export async function searchBackward(file: string, end: number, filter: ActivityFilter, limit: number, before?: string): Promise<ActivityEvent[]> {
  const out: ActivityEvent[] = [];
  let seen = before === undefined;
  const fh = await open(file, 'r').catch(() => null);
  if (!fh) return out;
  try {
    for await (const e of entriesBackward(fh, end)) {
      if (!seen) {
        seen = e.id === before;
        continue;
      }
      if (filter.since !== undefined && Date.parse(e.at) < filter.since - CLOCK_SLACK_MS) break;
      if (matches(e, filter) && out.push(e) >= limit) break;
    }
  } finally {
    await fh.close();
  }
  return out.reverse();
}

/** Entries from `end` back to the start of the file, newest first. */
async function* entriesBackward(fh: FileHandle, end: number): AsyncGenerator<ActivityEvent> {
  let pos = end;
  let tail: Buffer | null = null; // the start of a line whose beginning is in an earlier chunk
  while (pos > 0) {
    const n = Math.min(CHUNK, pos);
    pos -= n;
    const buf = Buffer.allocUnsafe(n);
    await fh.read(buf, 0, n, pos);
    const chunk: Buffer = tail ? Buffer.concat([buf, tail]) : buf;
    let stop = chunk.length;
    for (let nl = chunk.lastIndexOf(0x0a, stop - 1); nl >= 0; nl = chunk.lastIndexOf(0x0a, stop - 1)) {
      const e = stop - nl - 1 <= MAX_LINE ? parseLine(chunk.toString('utf8', nl + 1, stop)) : null;
      if (e) yield e;
      stop = nl;
      if (stop === 0) break;
    }
    // A line longer than any entry is dropped rather than carried (an outsider's huge line).
    tail = stop > MAX_LINE ? Buffer.alloc(0) : chunk.subarray(0, stop);
  }
  if (tail && tail.length > 0) {
    const e = parseLine(tail.toString('utf8'));
    if (e) yield e;
  }
}

/** Reads at once (the thread pool does several; one after another cost ~0.1 ms each). */
const PARALLEL_READS = 32;

/** The entries whose lines start at `offsets`, by offset (one open, a small read each). */
export async function entriesAt(file: string, offsets: number[]): Promise<Map<number, ActivityEvent>> {
  const found = new Map<number, ActivityEvent>();
  if (offsets.length === 0) return found;
  const fh = await open(file, 'r').catch(() => null);
  if (!fh) return found;
  try {
    const all = [...new Set(offsets)];
    for (let i = 0; i < all.length; i += PARALLEL_READS) {
      await Promise.all(
        all.slice(i, i + PARALLEL_READS).map(async (at) => {
          const e = await entryAt(fh, at);
          if (e) found.set(at, e);
        }),
      );
    }
  } finally {
    await fh.close();
  }
  return found;
}

async function entryAt(fh: FileHandle, at: number): Promise<ActivityEvent | null> {
  for (let size = 1024; ; size *= 4) {
    const buf = Buffer.allocUnsafe(size);
    const { bytesRead } = await fh.read(buf, 0, size, at);
    const nl = buf.subarray(0, bytesRead).indexOf(0x0a);
    if (nl >= 0 || bytesRead < size || size > MAX_LINE) return parseLine(buf.toString('utf8', 0, nl >= 0 ? nl : bytesRead));
  }
}

const CSV_HEADER = 'id,at,type,filename,user,message,source';

/**
 * RFC 4180 fields; a field a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets
 * a leading `'` (OWASP's advice for CSV injection: messages are anyone's text). So does each part
 * after a `;` or a tab: a spreadsheet in a locale whose list separator is `;` splits cells there.
 */
function csvField(v: string | null): string {
  if (v === null) return '';
  const safe = v.replace(/(^|[;\t\r\n])([=+\-@\t\r])/g, "$1'$2");
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** `format=csv`: the header line, then one line per entry (CRLF, as RFC 4180 has it). */
export function activityCsv(events: ActivityEvent[]): string {
  const rows = events.map((e) => [e.id, e.at, e.type, e.filename, e.user, e.message, e.source].map(csvField).join(','));
  return [CSV_HEADER, ...rows].join('\r\n') + '\r\n';
}
