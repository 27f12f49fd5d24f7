import { compareNames } from '../../shared/file-names.js';
import { lockFields } from '../../shared/file-status.js';
import { boardRevisionOf, type ActivityEvent, type BatchPayload, type FileStatus, type HealthBody, type LockInfo, type LocksMap, type NudgedPayload, type PresenceEntry, type RevisionedEvent, type SnapshotPayload } from '../../shared/protocol.js';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

/** Something a person should be told about, shown as a toast. */
export interface Notice {
  id: number;
  text: string;
  /** About you: handed over to you, asked to release, force-released (a browser notification too, if allowed). */
  personal?: boolean;
}

export interface StoreHooks {
  /** A revision gap: ask the server for a snapshot. */
  onGap?: () => void;
  /** The name this browser acts as (the session's; the store keeps no copy). */
  me?: () => string | null;
  /** A personal notice was added (the page may raise a browser notification). */
  onPersonal?: (text: string) => void;
}

const ACTIVITY_KEPT = 100;
const HIGHLIGHT_MS = 2500;
/** How long a notice that is not about you stays. */
const NOTICE_MS = 8000;

/**
 * The page's state, fed by the server's events. No DOM and no socket here, so it is tested in
 * Node. Every change bumps `version` and tells subscribers; consumers re-read what they need.
 */
export class BoardStore {
  files = new Map<string, FileStatus>();
  locks: LocksMap = {};
  revision = -1;
  health: HealthBody | null = null;
  activity: ActivityEvent[] = [];
  connection: ConnectionState = 'connecting';
  /** File name → when it last changed, for a short highlight. */
  recentlyChanged = new Map<string, number>();
  notices: Notice[] = [];
  /** The last lock change on a file you hold or wait for, made by someone else (read out politely). */
  announcement = '';
  /** Who is online, and when others were last seen (GET /api/presence, then `presence` events). */
  presence = new Map<string, PresenceEntry>();
  version = 0;
  private awaitingSnapshot = false;
  private listeners = new Set<() => void>();
  private sorted: FileStatus[] | null = null;
  private noticeSeq = 0;

  constructor(private readonly hooks: StoreHooks = {}) {}

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Files in name order (cached per change). */
  fileList(): FileStatus[] {
    this.sorted ??= [...this.files.values()].sort((a, b) => compareNames(a.name, b.name));
    return this.sorted;
  }

  /** The name this browser acts as. */
  get user(): string | null {
    return this.hooks.me?.() ?? null;
  }

  setConnection(state: ConnectionState): void {
    this.connection = state;
    this.changed();
  }

  /** Replaces everything: on (re)connection and in answer to `sync`. */
  applySnapshot(s: SnapshotPayload): void {
    this.files = new Map(s.files.map((f) => [f.name, f]));
    this.protecting = s.files.some((f) => f.protected);
    this.locks = { ...s.locks };
    this.revision = s.revision;
    this.health = s.health;
    this.awaitingSnapshot = false;
    this.sorted = null;
    this.changed();
  }

  applyBatch(b: BatchPayload): void {
    for (const e of b.events) this.applyEvent(e, false);
    this.changed();
  }

  /** Applies one revisioned event; a gap asks for a snapshot instead of guessing. */
  applyEvent(e: RevisionedEvent, notify = true): void {
    const rev = boardRevisionOf(e);
    if (rev <= this.revision) return; // already reflected (e.g. in a snapshot)
    if (rev !== this.revision + 1) {
      if (!this.awaitingSnapshot) {
        this.awaitingSnapshot = true;
        this.hooks.onGap?.();
      }
      return;
    }
    this.revision = rev;
    switch (e.event) {
      case 'lock:acquired':
        if (this.watching(e.data.filename) && e.data.lock.user !== this.user) this.announcement = `${e.data.filename} is now checked out by ${e.data.lock.user}.`;
        this.setLock(e.data.filename, e.data.lock);
        if (e.data.handoff && this.user && e.data.lock.user === this.user) {
          this.notice(`${e.data.filename} is now checked out to you${e.data.lock.handed_over_from ? ` (handed over by ${e.data.lock.handed_over_from})` : ''}.`, true);
        }
        break;
      case 'lock:updated':
        this.setLock(e.data.filename, e.data.lock);
        break;
      case 'lock:released':
        if (this.watching(e.data.filename) && e.data.by !== this.user) this.announcement = `${e.data.filename} was ${e.data.forced ? 'force-released' : 'released'}${e.data.by ? ` by ${e.data.by}` : ' on disk'}.`;
        this.setLock(e.data.filename, null);
        if (e.data.previous.user === this.user && e.data.by !== this.user) {
          const why = e.data.reason ? `: "${e.data.reason}"` : '.';
          this.notice(`${e.data.filename}: your lock was ${e.data.forced ? 'force-released' : 'released'}${e.data.by ? ` by ${e.data.by}` : ' on disk'}${why}`, e.data.forced);
        }
        break;
      case 'file:added':
      case 'file:changed':
        this.files.set(e.data.file.name, e.data.file);
        this.protecting ||= e.data.file.protected;
        this.sorted = null;
        this.touch(e.data.file.name);
        // Your own upload or restore is not news to you; a save on disk is (it made a version).
        if (e.event === 'file:changed' && e.data.file.locked_by === this.user && this.user && e.data.by !== this.user) {
          this.notice(`${e.data.file.name}, which you hold, was saved on disk${e.data.version ? ` (version ${e.data.version})` : ''}.`);
        }
        break;
      case 'file:state': {
        const f = this.files.get(e.data.filename);
        if (f) {
          this.files.set(e.data.filename, { ...f, state: e.data.state, revision: e.data.revision, state_changed: { by: e.data.by, at: e.data.at, comment: e.data.comment } });
          this.sorted = null;
        }
        if (this.watching(e.data.filename) && e.data.by !== this.user) this.announcement = `${e.data.filename} is now ${e.data.state} ${e.data.revision}${e.data.by ? ` (${e.data.by})` : ''}.`;
        this.touch(e.data.filename);
        break;
      }
      case 'file:removed':
        if (this.files.get(e.data.filename)?.locked_by === this.user && this.user) {
          this.notice(`${e.data.filename}, which you hold, was removed from the vault.`);
        }
        this.files.delete(e.data.filename);
        this.sorted = null;
        break;
    }
    if (notify) this.changed();
  }

  setHealth(h: HealthBody): void {
    this.health = h;
    this.changed();
  }

  /** History first (oldest first), then live entries; newest kept, duplicates ignored. */
  addActivity(events: ActivityEvent[]): void {
    const ids = new Set(this.activity.map((a) => a.id));
    const fresh = events.filter((e) => !ids.has(e.id));
    if (fresh.length === 0) return;
    this.activity = [...this.activity, ...fresh].slice(-ACTIVITY_KEPT);
    this.changed();
  }

  /** Someone asks you to release a file you hold. */
  applyNudge(n: NudgedPayload): void {
    this.notice(`${n.by} asks you to release ${n.filename}${n.message ? `: "${n.message}"` : '.'}`, true);
    this.changed();
  }

  setPresence(list: PresenceEntry[]): void {
    this.presence = new Map(list.map((p) => [p.user, p]));
    this.changed();
  }

  applyPresence(p: PresenceEntry): void {
    this.presence = new Map(this.presence).set(p.user, p);
    this.changed();
  }

  /** A notice from the page itself (e.g. a path was copied). */
  inform(text: string): void {
    this.notice(text);
    this.changed();
  }

  dismissNotice(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
    this.changed();
  }

  isHighlighted(name: string, now = Date.now()): boolean {
    const t = this.recentlyChanged.get(name);
    return t !== undefined && now - t < HIGHLIGHT_MS;
  }

  /** Whether the server runs with --protect, as far as its files have told (a file was protected). */
  private protecting = false;

  private setLock(filename: string, lock: LockInfo | null): void {
    if (lock) this.locks[filename] = lock;
    else delete this.locks[filename];
    const f = this.files.get(filename);
    if (f) {
      // --protect: a checked-out file is writable; a released one read-only again (as the server
      // makes it, within a second). Lock events carry no FileStatus, so the page follows the rule.
      const protectedNow = lock ? false : this.protecting || f.protected;
      this.files.set(filename, { ...f, ...lockFields(lock), protected: protectedNow });
      this.sorted = null;
    }
    this.touch(filename);
  }

  /** Whether you hold the file or wait for it (before the change being applied). */
  private watching(filename: string): boolean {
    const lock = this.locks[filename];
    const me = this.user;
    return !!me && !!lock && (lock.user === me || (Array.isArray(lock.queue) && lock.queue.some((w) => w.user === me)));
  }

  private touch(name: string): void {
    this.recentlyChanged.set(name, Date.now());
  }

  private notice(text: string, personal = false): void {
    const id = ++this.noticeSeq;
    this.notices = [...this.notices, { id, text, ...(personal ? { personal } : {}) }].slice(-5);
    if (personal) this.hooks.onPersonal?.(text);
    // Information goes away by itself; what is about you (handed over, asked, forced) stays.
    else setTimeout(() => this.dismissNotice(id), NOTICE_MS);
  }

  private changed(): void {
    this.version++;
    for (const fn of this.listeners) fn();
  }
}
