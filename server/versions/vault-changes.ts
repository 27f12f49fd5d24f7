import type { ActivityLog } from '../activity/activity-log.js';
import { makeActivity } from '../activity/activity-log.js';
import { fileActivity, fileActivityKey } from '../activity/activity-journal.js';
import type { FileBoard } from '../files/file-board.js';
import type { LockChange } from '../locks/lock-diff.js';
import type { LockStore } from '../locks/lock-store.js';
import type { Logger } from '../logger.js';
import type { VaultChange } from '../vault/vault-index.js';
import type { VaultLayout } from '../vault/vault-paths.js';
import { vaultPath } from '../vault/vault-paths.js';
import type { EditWarnings } from './edit-warnings.js';
import type { ContentTurns } from './content-turns.js';
import type { VersionStore } from './version-store.js';

export interface VaultChangesDeps {
  layout: VaultLayout;
  board: FileBoard;
  store: LockStore;
  activity: ActivityLog;
  versions: VersionStore;
  warnings: EditWarnings;
  logger: Logger;
  /** A save's record takes its turn with the file's other content operations. */
  turns?: ContentTurns;
}

/** How long a released hold is remembered, to give a save seen late to the one who made it. */
const RECENT_MS = 10 * 60_000;

/**
 * What follows a change of a file's content, from the watcher or from an upload: a version
 * (attributed to the holder, or to nobody), the out-of-turn warning when nobody held the lock,
 * activity entries, and the board's events, in the order the changes happened.
 */
export class VaultChanges {
  private queue: Promise<void> = Promise.resolve();
  /** Holds released lately, by file: a save settles (and is recorded) after the check-in. */
  private readonly recent = new Map<string, { user: string; from: number; to: number }>();

  constructor(private readonly d: VaultChangesDeps) {}

  /** Remembers the holds that lock changes ended (wired to the store by createApp). */
  followReleases(changes: readonly LockChange[]): void {
    const now = Date.now();
    for (const c of changes) if (c.before && !c.after) this.recent.set(c.filename, { user: c.before.user, from: Date.parse(c.before.timestamp), to: now });
    if (this.recent.size > 10_000) for (const [name, h] of this.recent) if (now - h.to > RECENT_MS) this.recent.delete(name);
  }

  /**
   * Who held the file when it was saved (its mtime), not when the save is recorded: a save made
   * under a lock is the holder's even when the watcher reports it after the check-in.
   */
  private holderAt(name: string, savedAt: number): string | null {
    const lock = this.d.store.get(name);
    // Clock steps of a network share: a few ms of slack.
    if (lock && Date.parse(lock.timestamp) <= savedAt + 50) return lock.user;
    const h = this.recent.get(name);
    if (h && h.from <= savedAt + 50 && savedAt <= h.to + 50) return h.user;
    return null;
  }

  /**
   * Queues changes (the index already holds them); resolves once published. `recorded`: versions
   * the caller already made for some of them (an upload), announced instead of recorded again;
   * `by`: the holder whose upload or restore made them (not a change seen on disk).
   */
  publish(changes: VaultChange[], recorded: ReadonlyMap<string, number> = new Map(), by?: string): Promise<void> {
    this.queue = this.queue.then(() => this.process(changes, recorded, by)).catch((err: unknown) => this.d.logger.error({ err }, 'processing vault changes failed'));
    return this.queue;
  }

  private async process(changes: VaultChange[], recorded: ReadonlyMap<string, number>, by: string | undefined): Promise<void> {
    const { versions, warnings, activity } = this.d;
    const versionOf = new Map(recorded);
    const comment = null;
    const entries = [];
    // Who holds each file is read from locks.json as it is now (one stat when nothing changed):
    // another server may have taken the lock a moment ago, and a save under it is the holder's.
    if (changes.some((c) => c.kind === 'changed' && !recorded.has(c.name))) await this.d.store.refresh();
    for (const c of changes) {
      if (c.kind !== 'changed' || recorded.has(c.name)) continue;
      const holder = this.holderAt(c.name, c.stat.mtimeMs);
      const record = () => versions.record(c.name, vaultPath(this.d.layout, c.name), { user: holder, comment, durable: false });
      const v = await (this.d.turns ? this.d.turns.run(c.name, record) : record()).catch((err: unknown) => {
        this.d.logger.warn({ err, file: c.name }, 'recording a version failed');
        return null;
      });
      if (!v) continue;
      versionOf.set(c.name, v.number);
      entries.push(makeActivity({ type: 'version_added', filename: c.name, user: holder, message: comment, source: 'disk', version: v.number }));
      if (!holder) {
        await warnings.add(c.name);
        entries.push(makeActivity({ type: 'edited_unlocked', filename: c.name, user: null, message: 'changed on disk while nobody held the lock', source: 'disk', version: v.number }));
      }
    }
    this.d.board.onVaultChanges(changes, versionOf, by);
    // A change the server made is logged as its own (source api): other servers sharing the vault
    // see it on disk too, and the same key keeps them from logging it as an edit on disk.
    const all = [...changes.map((c) => (by ? { ...fileActivity(c), source: 'api' as const, user: by } : fileActivity(c))), ...entries];
    await activity.appendOnce(all, (e) => (e.type.startsWith('file_') ? fileActivityKey(e) : `${e.type}|${e.filename}|${e.version}`));
  }
}
