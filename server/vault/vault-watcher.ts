import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import { isTrackedName } from '../../shared/file-names.js';
import { FolderWatcher } from './folder-watcher.js';
import type { VaultChange, VaultIndex } from './vault-index.js';
import { isInside } from './vault-paths.js';

export interface VaultWatcherOptions {
  /** > 0: rescan the whole vault every `pollMs` instead of inotify (network shares). */
  pollMs?: number;
  /** How long a file must stay unchanged before it counts as written (large copies). */
  settleMs?: number;
  /** With inotify: a full rescan this often as a safety net (0 = never). */
  rescanMs?: number;
  /** One recursive watch of the root (default on Windows, where folder watches lock folders). */
  recursive?: boolean;
  logger?: Logger;
}

const FLUSH_MS = 40;
const MAX_FLUSH_DELAY_MS = 250;

/**
 * Keeps the index in step with the disk. Watcher events are only hints: each hinted path is
 * re-stat'ed and only real differences are reported, coalesced into one callback per burst so a
 * thousand files copied in become one batch. A file that is being written is reported once it has
 * had no event for `settleMs` (a large copy arrives once, complete).
 */
export class VaultWatcher {
  private watcher: FolderWatcher | null = null;
  private settling = new Map<string, NodeJS.Timeout>();
  private timer: NodeJS.Timeout | null = null;
  private pendingPaths = new Set<string>();
  private pendingDirs = new Set<string>();
  private newDirs = new Set<string>();
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
    this.watcher = new FolderWatcher(layout.root, (dir) => isInside(layout.dataDir, dir), {
      path: (abs) => void this.onPath(abs),
      overflow: () => void this.rescan(),
      limit: (err) => this.opts.logger?.warn({ err }, 'out of inotify watches: some vault folders are only seen by the periodic rescan'),
    }, this.opts.recursive);
    await this.watcher.start();
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
    for (const t of this.settling.values()) clearTimeout(t);
    this.watcher?.close();
    await this.flushing;
  }

  private flushTimer: NodeJS.Timeout | null = null;

  /** A folder watch says something happened at `abs`: find out what it is. */
  private async onPath(abs: string): Promise<void> {
    const { layout } = this.index;
    if (this.closed || isInside(layout.dataDir, abs)) return;
    const tracked = isTrackedName(abs, layout.extensions);
    const st = await lstat(abs).catch(() => null);
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- close() may have run during the await
    if (this.closed) return;
    if (this.watcher!.recursive) {
      // One watch covers the tree: a folder made or moved in is read, one gone takes its files along.
      if (st?.isDirectory()) this.hintNewDir(abs);
      else if (!st) {
        this.hintDir(abs);
        if (tracked) this.hint(abs);
      } else if (tracked) this.settle(abs);
      return;
    }
    if (st?.isDirectory()) {
      if (this.watcher!.watches(abs, st.ino)) return;
      if (this.watcher!.has(abs)) {
        // Deleted and made again under the same name: what the old one held is re-checked.
        this.watcher!.removeTree(abs);
        this.hintDir(abs);
      }
      // Watch it (and what is below) before reading it, then look at what it already holds.
      await this.watcher!.addTree(abs);
      this.hintNewDir(abs);
    } else if (!st && this.watcher!.has(abs)) {
      this.watcher!.removeTree(abs);
      this.hintDir(abs);
    } else if (tracked) {
      if (st) this.settle(abs);
      else this.hint(abs); // deleted: no need to wait
    }
  }

  /**
   * Resolves once no save of `abs` is settling or waiting to be reported (or after `maxMs`): a
   * check-in waits so the holder's last save is recorded as theirs, with the comment.
   */
  async settled(abs: string, maxMs: number): Promise<void> {
    const deadline = Date.now() + maxMs;
    while ((this.settling.has(abs) || this.pendingPaths.has(abs)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await this.flushing;
  }

  /** Hints a path once it has had no event for the settle time (each new event restarts it). */
  private settle(abs: string): void {
    const ms = this.opts.settleMs ?? 400;
    if (ms <= 0) { this.hint(abs); return; }
    const old = this.settling.get(abs);
    if (old) clearTimeout(old);
    const t = setTimeout(() => {
      this.settling.delete(abs);
      this.hint(abs);
    }, ms);
    this.settling.set(abs, t);
  }

  private hint(path: string): void {
    this.pendingPaths.add(path);
    this.schedule();
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
    for (const dir of dirs) for (const name of this.index.namesUnder(dir)) paths.push(join(this.index.layout.root, ...name.split('/')));
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
