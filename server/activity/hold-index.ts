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

/** What the index writes beside the log, so a start reads only what came after it. */
export interface HoldCheckpoint {
  files: Record<string, StoredHold[]>;
}

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
  private names = new Map<string, string>();

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
        return;
      }
      default:
    }
  }

  /** Forgets everything (the log was replaced). */
  clear(): void {
    this.files.clear();
    this.names.clear();
  }

  /**
   * A file's holds, newest first (at most `limit`), with statistics over all of them; messages
   * and comments read with `readAt` (the log's entry at a byte offset).
   */
  async history(name: string, limit: number, readAt: (offsets: number[]) => Promise<Map<number, ActivityEvent>>, same?: (a: string, b: string) => boolean): Promise<HistoryBody> {
    const all = same ? this.holdsOfAll(name, same) : (this.files.get(name) ?? []);
    const shown = all.slice(-limit).reverse();
    const entries = await readAt(shown.flatMap((h) => (h.end >= 0 ? [h.start, h.end] : [h.start])));
    const holds = shown.map((h): FileHold => ({
      user: h.user,
      from: new Date(h.from).toISOString(),
      to: h.to === null ? null : new Date(h.to).toISOString(),
      message: entries.get(h.start)?.message ?? null,
      comment: h.end >= 0 ? (entries.get(h.end)?.message ?? null) : null,
      ended: h.ended,
    }));
    return { holds, stats: statsOf(all) };
  }

  /** The holds of every spelling of one file, in time order (a file renamed only in its case). */
  private holdsOfAll(name: string, same: (a: string, b: string) => boolean): Hold[] {
    const lists = [...this.files].filter(([n]) => n === name || same(n, name)).map(([, holds]) => holds);
    return lists.length === 1 ? lists[0]! : lists.flat().sort((a, b) => a.from - b.from);
  }

  checkpoint(): HoldCheckpoint {
    const files: HoldCheckpoint['files'] = {};
    for (const [name, holds] of this.files) files[name] = holds.map((h) => [h.user, h.from, h.to, h.ended, h.start, h.end]);
    return { files };
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
    this.files = loaded;
    return true;
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

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const seconds = (ms: number) => Math.round(ms) / 1000;

/** Counts every hold (the current one too); times only the ended ones (null when none ended). */
export function statsOf(holds: ReadonlyArray<{ user: string; from: number; to: number | null }>): HoldStats {
  // No prototype: a user named `__proto__` is a holder like any other.
  const holders = Object.create(null) as Record<string, number>;
  const durations: number[] = [];
  for (const h of holds) {
    holders[h.user] = (holders[h.user] ?? 0) + 1;
    if (h.to !== null) durations.push(h.to - h.from);
  }
  durations.sort((a, b) => a - b);
  const some = durations.length > 0;
  return {
    holds: holds.length,
    median_hold_s: some ? seconds(percentile(durations, 50)) : null,
    p90_hold_s: some ? seconds(percentile(durations, 90)) : null,
    longest_hold_s: some ? seconds(durations.at(-1)!) : null,
    holders,
  };
}
