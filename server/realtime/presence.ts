import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { PresenceEntry } from '../../shared/protocol.js';
import { writeFileAtomic } from '../storage/durable-files.js';
import type { Logger } from '../logger.js';

/** What each server writes to `<data>/presence/<id>.json`. */
interface ServerPresence {
  heartbeat: string;
  online: string[];
  last_seen: Record<string, string>;
}

/** A server file not rewritten for this long is a stopped server: its users are offline. */
const STALE_FACTOR = 3;
/** Files of servers stopped this long ago are merged into ours and removed. */
const FORGET_MS = 24 * 3600 * 1000;
/** Connection changes within this long are merged and written once. */
const SOON_MS = 50;
/** People remembered at most (the oldest last_seen go first). */
const MAX_PEOPLE = 10_000;

/**
 * Who is online across the servers sharing the data folder, and when each person was last seen:
 * every server keeps its own file there (its connected users, heartbeat, last-seen times) and
 * reads the others' every `intervalMs`. It survives restarts: a new server merges the files of
 * stopped ones into its own.
 */
export class Presence {
  readonly id = randomUUID();
  private readonly local = new Map<string, number>();
  private readonly lastSeen = new Map<string, string>();
  private view = new Map<string, PresenceEntry>();
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private readonly dir: string;
  private listener: (entry: PresenceEntry) => void = () => undefined;
  private others = new Map<string, ServerPresence>();
  private closed = false;
  /** A merge and a write are due soon (connections come in floods: every browser after a restart). */
  private due: NodeJS.Timeout | null = null;
  /** A write is under way, and another is wanted after it. */
  private writingNow = false;
  private writeAgain = false;

  constructor(
    dataDir: string,
    private readonly logger: Logger,
    private readonly intervalMs = 2000,
  ) {
    this.dir = join(dataDir, 'presence');
  }

  /** Where each change goes (someone came online or went offline, on any server): set once, by createApp. */
  sendTo(listener: (entry: PresenceEntry) => void): void {
    this.listener = listener;
  }

  private changed(entry: PresenceEntry): void {
    this.listener(entry);
  }

  async start(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await this.refresh(true);
    this.timer = setInterval(() => void this.refresh(false), this.intervalMs);
    this.timer.unref();
  }

  /** A socket of `user` connected to this server. */
  connected(user: string): void {
    this.local.set(user, (this.local.get(user) ?? 0) + 1);
    this.seen(user);
    this.soon();
  }

  disconnected(user: string): void {
    const n = (this.local.get(user) ?? 1) - 1;
    if (n > 0) this.local.set(user, n);
    else this.local.delete(user);
    this.seen(user);
    this.soon();
  }

  /** One merge and one write for every connection change within SOON_MS. */
  private soon(): void {
    if (this.due || this.closed) return;
    this.due = setTimeout(() => this.flush(), SOON_MS);
    this.due.unref();
  }

  /** The merge and write that are due, now (a reader must see the connections made so far). */
  private flush(): void {
    if (!this.due) return;
    clearTimeout(this.due);
    this.due = null;
    this.update();
    this.save();
  }

  list(): PresenceEntry[] {
    this.flush();
    const now = new Date().toISOString();
    return [...this.view.values()].map((e) => (e.online ? { ...e, last_seen: now } : e)).sort((a, b) => (a.user < b.user ? -1 : 1));
  }

  /**
   * Whether `user` has a page open on any server, and when they were last seen, as known now:
   * no merge and no write (`get` does both), so it may be asked on every connection.
   */
  peek(user: string): { online: boolean; last_seen: string | null } {
    if ((this.local.get(user) ?? 0) > 0) return { online: true, last_seen: null };
    for (const p of this.others.values()) if (this.fresh(p) && p.online.includes(user)) return { online: true, last_seen: null };
    return { online: false, last_seen: this.lastSeen.get(user) ?? null };
  }

  get(user: string): PresenceEntry | undefined {
    this.flush();
    return this.view.get(user);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.due) clearTimeout(this.due);
    for (const user of this.local.keys()) this.seen(user);
    this.local.clear();
    // The last write has everyone here offline: a write under way is followed by this one.
    this.save();
    for (let i = 0; i < 3 && this.writingNow; i++) await this.writing;
    this.closed = true;
  }

  private seen(user: string, at = new Date().toISOString()): void {
    const before = this.lastSeen.get(user);
    if (before !== undefined && before >= at) return;
    this.lastSeen.delete(user);
    this.lastSeen.set(user, at);
    if (this.lastSeen.size > MAX_PEOPLE) this.lastSeen.delete(this.lastSeen.keys().next().value!);
  }

  /** Reads the other servers' files; at start also merges and removes those of long-stopped servers. */
  private async refresh(starting: boolean): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const others = new Map<string, ServerPresence>();
    for (const name of names) {
      if (!name.endsWith('.json') || name === `${this.id}.json`) continue;
      const file = join(this.dir, name);
      const p = await readFile(file, 'utf8').then((t) => JSON.parse(t) as ServerPresence, () => null);
      if (!p || typeof p.heartbeat !== 'string' || !Array.isArray(p.online) || typeof p.last_seen !== 'object') continue;
      for (const [user, at] of Object.entries(p.last_seen)) if (typeof at === 'string') this.seen(user, at);
      if (starting && Date.now() - Date.parse(p.heartbeat) > FORGET_MS) await unlink(file).catch(() => undefined);
      else others.set(name, p);
    }
    this.others = others;
    this.update();
    this.save();
  }

  /** Whether another server's file is recent enough that its users count as online. */
  private fresh(p: ServerPresence): boolean {
    return Date.now() - Date.parse(p.heartbeat) < this.intervalMs * STALE_FACTOR + 5000;
  }

  /** The merged view; tells `changed` about each person whose entry changed. */
  private update(): void {
    const online = new Set(this.local.keys());
    for (const p of this.others.values()) {
      const fresh = this.fresh(p);
      for (const user of p.online) {
        if (fresh) online.add(user);
        else this.seen(user, p.heartbeat);
      }
    }
    const now = new Date().toISOString();
    const next = new Map<string, PresenceEntry>();
    // Online: seen now. Offline: when last connected to any server.
    for (const [user, at] of this.lastSeen) next.set(user, { user, online: online.has(user), last_seen: online.has(user) ? now : at });
    for (const user of online) if (!next.has(user)) next.set(user, { user, online: true, last_seen: now });
    for (const [user, e] of next) {
      const old = this.view.get(user);
      if (old?.online !== e.online) this.changed(e);
    }
    this.view = next;
  }

  /** Writes this server's file; while a write is under way, one more follows it with the state then. */
  private save(): void {
    if (this.closed) return;
    if (this.writingNow) {
      this.writeAgain = true;
      return;
    }
    this.writingNow = true;
    const body: ServerPresence = { heartbeat: new Date().toISOString(), online: [...this.local.keys()], last_seen: Object.fromEntries(this.lastSeen) };
    this.writing = writeFileAtomic(join(this.dir, `${this.id}.json`), JSON.stringify(body))
      .catch((err: unknown) => this.logger.warn({ err }, 'writing presence failed'))
      .finally(() => {
        this.writingNow = false;
        if (this.writeAgain) {
          this.writeAgain = false;
          this.save();
        }
      });
  }
}
