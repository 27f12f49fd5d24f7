import type { ActivityLog } from '../activity/activity-log.js';
import { makeActivity } from '../activity/activity-log.js';
import { fileActivity, fileActivityKey } from '../activity/activity-journal.js';
import type { FileBoard } from '../files/file-board.js';
import type { LockStore } from '../locks/lock-store.js';
import type { Logger } from '../logger.js';
import type { VaultChange } from '../vault/vault-index.js';
import type { VaultLayout } from '../vault/vault-paths.js';
import { vaultPath } from '../vault/vault-paths.js';
import type { EditWarnings } from './edit-warnings.js';
import type { VersionStore } from './version-store.js';

export interface VaultChangesDeps {
  layout: VaultLayout;
  board: FileBoard;
  store: LockStore;
  activity: ActivityLog;
  versions: VersionStore;
  warnings: EditWarnings;
  logger: Logger;
}

/**
 * What follows a change of a file's content, from the watcher or from an upload: a version
 * (attributed to the holder, or to nobody), the out-of-turn warning when nobody held the lock,
 * activity entries, and the board's events, in the order the changes happened.
 */
export class VaultChanges {
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly d: VaultChangesDeps) {}

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
    const { versions, warnings, store, activity } = this.d;
    const versionOf = new Map(recorded);
    const comment = null;
    const entries = [];
    for (const c of changes) {
      if (c.kind !== 'changed' || recorded.has(c.name)) continue;
      const holder = store.get(c.name)?.user ?? null;
      const v = await versions.record(c.name, vaultPath(this.d.layout, c.name), { user: holder, comment, durable: false }).catch((err: unknown) => {
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
