import type { ActivityEvent, FileHold, HistoryBody, HoldEnd, HoldStats } from '../../shared/protocol.js';

/**
 * One hold as the index keeps it: numbers and an interned name, no messages. The messages are
 * read back from the log at `start` and `end` (byte offsets of the entries that began and ended
 * the hold) for the few holds a request returns; keeping them would cost their text per hold.
 */
interface Hold {
  user: string;
  from: number;
  to: number | null;
  ended: HoldEnd | null;
  start: number;
  end: number;
}

/** A hold in the checkpoint: `[user, from, to, ended, start, end]`. */
type StoredHold = [string, number, number | null, HoldEnd | null, number, number];

/**
 * Holds kept one by one per file: as many as a history request may list (`limit` ≤ 1,000). Older
 * ones are folded into counts (Folded), so the index stays bounded however busy a file is.
 */
export const KEPT_HOLDS = 1000;

/** A file's holds older than the kept ones: counted, with their durations in 1% buckets. */
interface Folded {
  holds: number;
  holders: Record<string, number>;
  /** Ended holds' durations: bucket → count (bucket = round(ln(1+ms) / ln 1.01)). */
  buckets: Record<string, number>;
  longest: number | null;
}

/** What the index writes beside the log, so a start reads only what came after it. */
export interface HoldCheckpoint {
  files: Record<string, StoredHold[]>;
  older?: Record<string, Folded>;
}

const STEP = Math.log(1.01);
const bucketOf = (ms: number) => Math.round(Math.log1p(ms) / STEP);
const bucketValue = (b: number) => Math.expm1(b * STEP);

const ENDS = new Set<string>(['checkin', 'force_release', 'undo_checkout', 'handoff', 'disk']);

/**
 * Every file's holds (check-out to release), derived from the activity log as it is read, in
 * the log's order (every server's entries: each server tails the whole log). A hold ends with
 * the entry that released it: `checkin`, `force_release`, `undo_checkout`, `disk` (a lock removed
 * or replaced by a hand edit of locks.json), or `handoff` (a check-in that handed the file to the
 * first in its queue; a forced release stays `force_release` even when it handed the file over).
 */
export class HoldIndex {
  private files = new Map<string, Hold[]>();
  private older = new Map<string, Folded>();
  private names = new Map<string, string>();

  constructor(private readonly kept = KEPT_HOLDS) {}

  /** Follows one entry of the log; `offset` is where its line starts. */
  add(e: ActivityEvent, offset: number): void {
    const name = e.filename;
    if (!name) return;
    const t = Date.parse(e.at);
    switch (e.type) {
      case 'checkout': {
        const holds = this.holdsOf(name);
        const last = holds.at(-1);
        if (last && last.to === null) this.close(last, t, 'disk', -1);
        else if (e.handoff && last?.ended === 'checkin') last.ended = 'handoff';
        holds.push(this.open(e.user ?? '', t, offset));
        this.trim(name, holds);
        return;
      }
      case 'checkin':
      case 'force_release':
      case 'undo_checkout': {
        const last = this.files.get(name)?.at(-1);
        // A release the index never saw begin (a log cut by hand) is not a hold it can time.
        if (last && last.to === null) this.close(last, t, e.type === 'checkin' && e.source === 'disk' ? 'disk' : e.type, offset);
        return;
      }
      case 'lock_edited': {
        const holds = this.holdsOf(name);
        const last = holds.at(-1);
        if (last && last.to === null && last.user === e.user) return;
        if (last && last.to === null) this.close(last, t, 'disk', offset);
        holds.push(this.open(e.user ?? '', t, offset));
        this.trim(name, holds);
        return;
      }
      default:
    }
  }

  /** Forgets everything (the log was replaced). */
  clear(): void {
    this.files.clear();
    this.older.clear();
    this.names.clear();
  }

  /**
   * A file's holds, newest first (at most `limit`), with statistics over all of them; messages
   * and comments read with `readAt` (the log's entry at a byte offset).
   */
  async history(name: string, limit: number, readAt: (offsets: number[]) => Promise<Map<number, ActivityEvent>>, same?: (a: string, b: string) => boolean): Promise<HistoryBody> {
    const names = same ? [...this.files.keys()].filter((n) => n === name || same(n, name)) : [name];
    const all = names.length === 1 ? (this.files.get(names[0]!) ?? []) : names.flatMap((n) => this.files.get(n)!).sort((a, b) => a.from - b.from);
    const shown = all.slice(-limit).reverse();
    const entries = await readAt(shown.flatMap((h) => (h.end >= 0 ? [h.start, h.end] : [h.start])));
    const holds = shown.map((h): FileHold => ({
      user: h.user,
      from: new Date(h.from).toISOString(),
      to: h.to === null ? null : new Date(h.to).toISOString(),
      message: entries.get(h.start)?.message ?? null,
      ...(entries.get(h.start)?.until ? { until: entries.get(h.start)!.until! } : {}),
      comment: h.end >= 0 ? (entries.get(h.end)?.message ?? null) : null,
      ended: h.ended,
    }));
    const older = names.flatMap((n) => this.older.get(n) ?? []);
    return { holds, stats: statsOf(all, older) };
  }

  checkpoint(): HoldCheckpoint {
    const files: HoldCheckpoint['files'] = {};
    for (const [name, holds] of this.files) files[name] = holds.map((h) => [h.user, h.from, h.to, h.ended, h.start, h.end]);
    return { files, older: Object.fromEntries(this.older) };
  }

  /** Loads a checkpoint; false (and nothing loaded) when it is not one this version wrote. */
  restore(c: unknown): boolean {
    const files: unknown = (c as { files?: unknown } | null)?.files;
    if (typeof files !== 'object' || files === null) return false;
    const loaded = new Map<string, Hold[]>();
    for (const [name, holds] of Object.entries(files)) {
      if (!Array.isArray(holds)) return false;
      const list: Hold[] = [];
      for (const h of holds as unknown[]) {
        if (!validStored(h)) return false;
        list.push({ user: this.intern(h[0]), from: h[1], to: h[2], ended: h[3], start: h[4], end: h[5] });
      }
      loaded.set(name, list);
    }
    const older = new Map<string, Folded>();
    const stored: unknown = (c as { older?: unknown }).older ?? {};
    if (typeof stored !== 'object' || stored === null) return false;
    for (const [name, f] of Object.entries(stored)) {
      if (!validFolded(f)) return false;
      // No prototype, as trim makes them: a user named `__proto__` is counted, not a prototype.
      older.set(name, { holds: f.holds, holders: Object.assign(Object.create(null) as Record<string, number>, f.holders), buckets: Object.assign(Object.create(null) as Record<string, number>, f.buckets), longest: f.longest });
    }
    this.files = loaded;
    this.older = older;
    for (const [name, holds] of loaded) this.trim(name, holds);
    return true;
  }

  /** Folds a file's oldest holds into its counts once it has more than `kept`. */
  private trim(name: string, holds: Hold[]): void {
    if (holds.length <= this.kept) return;
    let f = this.older.get(name);
    if (!f) this.older.set(name, (f = { holds: 0, holders: Object.create(null) as Record<string, number>, buckets: Object.create(null) as Record<string, number>, longest: null }));
    for (const h of holds.splice(0, holds.length - this.kept)) {
      f.holds += 1;
      f.holders[h.user] = (f.holders[h.user] ?? 0) + 1;
      if (h.to === null) continue;
      const ms = h.to - h.from;
      const b = String(bucketOf(ms));
      f.buckets[b] = (f.buckets[b] ?? 0) + 1;
      f.longest = Math.max(f.longest ?? 0, ms);
    }
  }

  private holdsOf(name: string): Hold[] {
    let holds = this.files.get(name);
    if (!holds) this.files.set(name, (holds = []));
    return holds;
  }

  private open(user: string, from: number, start: number): Hold {
    return { user: this.intern(user), from, to: null, ended: null, start, end: -1 };
  }

  private close(h: Hold, to: number, ended: HoldEnd, end: number): void {
    h.to = Math.max(to, h.from);
    h.ended = ended;
    h.end = end;
  }

  private intern(user: string): string {
    const known = this.names.get(user);
    if (known !== undefined) return known;
    this.names.set(user, user);
    return user;
  }
}

function validStored(h: unknown): h is StoredHold {
  return (
    Array.isArray(h) && h.length === 6 && typeof h[0] === 'string' && Number.isFinite(h[1]) &&
    (h[2] === null || Number.isFinite(h[2])) && (h[3] === null || (typeof h[3] === 'string' && ENDS.has(h[3]))) &&
    Number.isInteger(h[4]) && Number.isInteger(h[5])
  );
}

function validFolded(f: unknown): f is Folded {
  const counts = (o: unknown) => typeof o === 'object' && o !== null && Object.values(o).every((n) => Number.isInteger(n) && (n as number) > 0);
  const v = f as Partial<Folded> | null;
  return typeof v === 'object' && v !== null && Number.isInteger(v.holds) && counts(v.holders) && counts(v.buckets) && (v.longest === null || Number.isFinite(v.longest));
}

/** Nearest-rank percentile of sorted [value, count] pairs holding `total` values. */
function percentile(sorted: Array<[number, number]>, total: number, p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const [value, count] of sorted) if ((seen += count) >= rank) return value;
  return sorted.at(-1)![0];
}
const seconds = (ms: number) => Math.round(ms) / 1000;

/**
 * Counts every hold (the current one too); times only the ended ones (null when none ended).
 * Holds folded into `older` count exactly; their durations are within 1%.
 */
export function statsOf(holds: ReadonlyArray<{ user: string; from: number; to: number | null }>, older: readonly Folded[] = []): HoldStats {
  // No prototype: a user named `__proto__` is a holder like any other.
  const holders = Object.create(null) as Record<string, number>;
  const durations: Array<[number, number]> = [];
  let total = 0;
  let longest: number | null = null;
  for (const h of holds) {
    holders[h.user] = (holders[h.user] ?? 0) + 1;
    if (h.to === null) continue;
    durations.push([h.to - h.from, 1]);
    total += 1;
    longest = Math.max(longest ?? 0, h.to - h.from);
  }
  let count = holds.length;
  for (const f of older) {
    count += f.holds;
    for (const [user, n] of Object.entries(f.holders)) holders[user] = (holders[user] ?? 0) + n;
    for (const [b, n] of Object.entries(f.buckets)) {
      durations.push([bucketValue(Number(b)), n]);
      total += n;
    }
    if (f.longest !== null) longest = Math.max(longest ?? 0, f.longest);
  }
  durations.sort((a, b) => a[0] - b[0]);
  const some = total > 0;
  return {
    holds: count,
    median_hold_s: some ? seconds(percentile(durations, total, 50)) : null,
    p90_hold_s: some ? seconds(percentile(durations, total, 90)) : null,
    longest_hold_s: longest === null ? null : seconds(longest),
    holders,
  };
}
