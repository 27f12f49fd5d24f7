import type { ActivityLog } from '../activity/activity-log.js';
import { makeActivity } from '../activity/activity-log.js';
import { AppError } from '../errors.js';
import type { LockStore } from '../locks/lock-store.js';
import { fileNotFound } from '../vault/vault-paths.js';
import type { Caller, WaitInput } from './file-commands.js';
import type { ActivityEvent, NudgedPayload } from '../../shared/protocol.js';

/** One nudge per caller and file per window. */
export const NUDGE_WINDOW_MS = 10 * 60_000;
/** How far back requests are looked for, for someone never seen before. */
const UNSEEN_WINDOW_MS = 7 * 86_400_000;
/** Nudges kept per holder, and holders kept, for pages that open later. */
const PER_HOLDER = 20;
const HOLDERS = 10_000;
/** Remembered (caller, file) pairs at most; the oldest go first. */
const REMEMBERED_MAX = 10_000;

/**
 * "Ask to release": written to the activity log as `nudge`, which every server sharing the data
 * folder tails, so the holder's sockets on each of them get `lock:nudged`. Limited per caller and
 * file on this server (a second server keeps its own count).
 */
export class Nudges {
  private readonly last = new Map<string, number>();
  /** Nudges by holder, oldest first (see `waiting`). */
  private readonly pending = new Map<string, NudgedPayload[]>();
  private readonly seen = new Set<string>();
  private seeded = false;

  constructor(
    private readonly store: LockStore,
    private readonly activity: ActivityLog,
    private readonly exists: (filename: string) => boolean,
    /** The file a name means, as spelled on disk. */
    private readonly spell: (filename: string) => Promise<string> = (f) => Promise.resolve(f),
    private readonly windowMs = NUDGE_WINDOW_MS,
    /** Whether a person has a page open on any server (presence). */
    private readonly online: (user: string) => boolean = () => true,
  ) {}

  /**
   * Asks the holder; answers whether they had a page open. One who had not gets it when they next
   * open one (see `waiting`).
   */
  async nudge(caller: Caller, input: WaitInput): Promise<{ holder_online: boolean }> {
    const filename = await this.spell(input.filename);
    const held = this.store.get(filename);
    if (!held) throw this.exists(filename) ? new AppError('NOT_LOCKED', `${filename} is not checked out: nobody to ask.`) : fileNotFound(filename);
    if (held.user === caller.user) throw new AppError('FORBIDDEN', `You hold ${filename} yourself.`);
    const key = `${caller.user}\u0000${filename}`;
    const now = Date.now();
    const at = this.last.get(key);
    if (at !== undefined && now - at < this.windowMs) {
      const seconds = Math.ceil((at + this.windowMs - now) / 1000);
      throw new AppError('TOO_MANY_REQUESTS', `You asked ${held.user} about ${filename} already: try again in ${seconds} s.`, {}, seconds);
    }
    this.last.delete(key);
    this.last.set(key, now);
    if (this.last.size > REMEMBERED_MAX) this.last.delete(this.last.keys().next().value!);
    await this.activity.append([makeActivity({ type: 'nudge', filename, user: caller.user, message: input.message ?? null, source: 'api', previous_user: held.user })]);
    return { holder_online: this.online(held.user) };
  }

  /**
   * The requests `user` has not seen: made since they were last seen (or in the last week for
   * someone never seen), for files they still hold, newest 20. Sent to a page as it opens. From
   * memory (every server's nudges as the log is tailed, and the log's recent entries at the first
   * call): a page opening costs a map look-up, not a search of the log.
   */
  async waiting(user: string, lastSeen: string | null): Promise<NudgedPayload[]> {
    if (!this.seeded) {
      this.seeded = true;
      for (const e of await this.activity.query(2000)) if (!this.seen.has(e.id)) this.follow(e);
    }
    const since = lastSeen ? Date.parse(lastSeen) : Date.now() - UNSEEN_WINDOW_MS;
    return (this.pending.get(user) ?? []).filter((n) => Date.parse(n.at) >= since && this.store.get(n.filename)?.user === user);
  }

  /**
   * Keeps a nudge for its holder (the newest PER_HOLDER of each, for at most HOLDERS holders); told
   * every activity entry by the publisher, this server's and others'.
   */
  follow(e: ActivityEvent): void {
    if (e.type !== 'nudge' || !e.filename || !e.user || !e.previous_user) return;
    this.seen.add(e.id);
    if (this.seen.size > 2 * HOLDERS) this.seen.delete(this.seen.values().next().value!);
    const list = this.pending.get(e.previous_user) ?? [];
    this.pending.delete(e.previous_user);
    this.pending.set(e.previous_user, [...list, { filename: e.filename, by: e.user, message: e.message, at: e.at }].slice(-PER_HOLDER));
    if (this.pending.size > HOLDERS) this.pending.delete(this.pending.keys().next().value!);
  }
}
