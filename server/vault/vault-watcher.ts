import { watch, type FSWatcher } from 'chokidar';
import type { Stats } from 'node:fs';
import type { Logger } from '../logger.js';
import { isTrackedName } from '../../shared/file-names.js';
import type { VaultChange, VaultIndex } from './vault-index.js';
import { isInside } from './vault-paths.js';

export interface VaultWatcherOptions {
  /** > 0: rescan the whole vault every `pollMs` instead of inotify (network shares). */
  pollMs?: number;
  /** How long a file must stay unchanged before it counts as written (large copies). */
  settleMs?: number;
  /** With inotify: a full rescan this often as a safety net (0 = never). */
  rescanMs?: number;
  logger?: Logger;
}

const FLUSH_MS = 40;
const MAX_FLUSH_DELAY_MS = 250;

/**
 * Keeps the index in step with the disk. Watcher events are only hints (chokidar drops some):
 * each hinted path is re-stat'ed and only real differences are reported, coalesced into one
 * callback per burst so a thousand files copied in become one batch.
 */
export class VaultWatcher {
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private pendingPaths = new Set<string>();
  private pendingDirs = new Set<string>();
  private newDirs = new Set<string>();
  private followUps = new Map<string, NodeJS.Timeout>();
  private firstPendingAt = 0;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly index: VaultIndex,
    private readonly onChanges: (changes: VaultChange[]) => void,
    private readonly opts: VaultWatcherOptions = {},
  ) {}

  async start(): Promise<void> {
    const { layout } = this.index;
    if (this.opts.pollMs && this.opts.pollMs > 0) {
      this.timer = setInterval(() => void this.rescan(), this.opts.pollMs);
      return;
    }
    const settle = this.opts.settleMs ?? 400;
    this.watcher = watch(layout.root, {
      ignoreInitial: true,
      followSymlinks: false,
      awaitWriteFinish: settle > 0 ? { stabilityThreshold: settle, pollInterval: 50 } : false,
      ignored: (path: string, stats?: Stats) => isInside(layout.dataDir, path) || (stats?.isFile() === true && !isTrackedName(path, layout.extensions)),
    });
    this.watcher.on('add', (p) => this.hint(p));
    this.watcher.on('change', (p) => this.hint(p));
    this.watcher.on('unlink', (p) => this.hint(p));
    this.watcher.on('unlinkDir', (p) => this.hintDir(p));
    this.watcher.on('addDir', (p) => this.hintNewDir(p));
    this.watcher.on('error', (err) => this.opts.logger?.warn({ err }, 'vault watcher error'));
    await new Promise<void>((resolve) => this.watcher!.once('ready', () => resolve()));
    // inotify can still miss a change (a folder created and filled at once): a slow full rescan
    // bounds how long the index can be wrong.
    if (this.opts.rescanMs) {
      this.timer = setInterval(() => void this.rescan(), this.opts.rescanMs);
      this.timer.unref();
    }
  }

  /** Full walk, diffed against the index: the poll mode's tick, and a safety net. */
  async rescan(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.closed) return;
      const changes = await this.index.scan();
      if (changes.length > 0) this.onChanges(changes);
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const t of this.followUps.values()) clearTimeout(t);
    await this.watcher?.close();
    await this.flushing;
  }

  private flushTimer: NodeJS.Timeout | null = null;

  private hint(path: string, followUp = true): void {
    this.pendingPaths.add(path);
    this.schedule();
    // chokidar drops a change that closely follows another (PITFALLS): look at the path once
    // more after the settle time, so a write right after the last event is not missed.
    if (followUp && !this.followUps.has(path) && !this.closed) {
      const t = setTimeout(() => {
        this.followUps.delete(path);
        this.hint(path, false);
      }, (this.opts.settleMs ?? 400) + 250);
      t.unref();
      this.followUps.set(path, t);
    }
  }

  private hintNewDir(path: string): void {
    this.newDirs.add(path);
    this.schedule();
  }

  private hintDir(path: string): void {
    this.pendingDirs.add(path);
    this.schedule();
  }

  // Debounced, but never later than MAX_FLUSH_DELAY_MS after the first hint of a burst.
  private schedule(): void {
    const now = Date.now();
    if (!this.flushTimer) this.firstPendingAt = now;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    const wait = Math.max(0, Math.min(FLUSH_MS, this.firstPendingAt + MAX_FLUSH_DELAY_MS - now));
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.flushing = this.flushing.then(() => this.flush());
    }, wait);
  }

  private async flush(): Promise<void> {
    if (this.closed) return;
    const paths = [...this.pendingPaths];
    const dirs = [...this.pendingDirs];
    const added = [...this.newDirs];
    this.pendingPaths.clear();
    this.pendingDirs.clear();
    this.newDirs.clear();
    for (const dir of dirs) for (const name of this.index.namesUnder(dir)) paths.push(`${this.index.layout.root}/${name}`);
    const changes: VaultChange[] = [];
    for (const p of paths) {
      const c = await this.index.update(p);
      if (c) changes.push(c);
    }
    // Files still being written are caught by their own (settled) events later.
    for (const dir of added) changes.push(...(await this.index.scanDir(dir)));
    if (changes.length > 0) this.onChanges(changes);
  }
}
