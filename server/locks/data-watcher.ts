import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from '../logger.js';

export interface DataWatcherOptions {
  /** Files to watch (locks.json, activity.jsonl), by absolute path. */
  files: string[];
  onChange: (file: string) => void;
  /** How often each file is stat'ed, in ms (chokidar's polling; also right for network shares). */
  intervalMs: number;
  logger?: Logger;
}

/** The safety-net look at every watched file. */
const SWEEP_MS = 1000;

/**
 * Tells when locks.json or the activity log may have changed, from outside this process (another
 * server, a script, an editor): our own writes are known already.
 *
 * chokidar polls the two files' stat (a rename-over changes the inode, an append the size)
 * instead of using inotify on their folder: with inotify, chokidar reads the whole folder again
 * (readdir plus an lstat per entry) after every event in it, and every commit makes several
 * (temp files, the lock directory, renames, the log append): 15% of the server's CPU under
 * steady check-outs, measured. Polling bounds the delay of a hand edit at the interval; chokidar
 * then stats the two files and their folder, and re-reads the folder at most once per interval
 * when its mtime moved (~2.5% of the CPU under the same load). Each hint is repeated 100 ms later (a burst's final state
 * is never missed); the store's stat check makes extra calls cheap.
 */
export class DataWatcher {
  private watcher: FSWatcher | null = null;
  private followUps = new Map<string, NodeJS.Timeout>();
  private sweep: NodeJS.Timeout | null = null;

  constructor(private readonly opts: DataWatcherOptions) {}

  async start(): Promise<void> {
    const { files } = this.opts;
    this.watcher = watch(files, { ignoreInitial: true, usePolling: true, interval: this.opts.intervalMs, binaryInterval: this.opts.intervalMs });
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
    // chokidar's polling does not report a file that did not exist when the watch began (a
    // locks.json made by hand before the first check-out): every file is looked at once a
    // second too. The store and the log only stat it when nothing changed.
    this.sweep = setInterval(() => files.forEach((f) => this.opts.onChange(f)), SWEEP_MS);
    this.sweep.unref();
  }

  async close(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    for (const t of this.followUps.values()) clearTimeout(t);
    await this.watcher?.close();
  }
}
