import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from '../logger.js';

export interface DataWatcherOptions {
  /** Files to watch (locks.json, activity.jsonl), by absolute path. */
  files: string[];
  onChange: (file: string) => void;
  /** Safety poll in ms: also covers network shares, where inotify sees nothing. */
  pollMs: number;
  /** With polling only, no inotify at all. */
  inotify: boolean;
  logger?: Logger;
}

/**
 * Tells when locks.json or the activity log may have changed. chokidar drops a change that follows
 * another within ~50 ms, so every hint is repeated 100 ms later and a timer polls regardless:
 * the final state of a burst is never missed (the store's stat check makes extra calls cheap).
 */
export class DataWatcher {
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private followUps = new Map<string, NodeJS.Timeout>();

  constructor(private readonly opts: DataWatcherOptions) {}

  async start(): Promise<void> {
    const { files } = this.opts;
    this.timer = setInterval(() => files.forEach((f) => this.opts.onChange(f)), this.opts.pollMs);
    this.timer.unref();
    if (!this.opts.inotify) return;
    // The files themselves, not their folder: a folder watch makes chokidar read the whole
    // folder again (and lstat every entry) after each of our own temp files, lock directories
    // and renames, about half a core under steady check-outs (measured); a file watch follows a
    // rename-over by re-watching the new inode. A file missing at start is picked up when it
    // appears, and the poll covers any gap.
    this.watcher = watch(files, { ignoreInitial: true });
    const hint = (path: string) => {
      const file = files.find((f) => f === path);
      if (!file) return;
      this.opts.onChange(file);
      clearTimeout(this.followUps.get(file));
      this.followUps.set(file, setTimeout(() => this.opts.onChange(file), 100));
    };
    this.watcher.on('all', (_event, path) => hint(path));
    this.watcher.on('error', (err) => this.opts.logger?.warn({ err }, 'data folder watcher error'));
    await new Promise<void>((resolve) => this.watcher!.once('ready', () => resolve()));
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const t of this.followUps.values()) clearTimeout(t);
    await this.watcher?.close();
  }
}
