import { watch, type FSWatcher } from 'node:fs';
import { lstat, opendir } from 'node:fs/promises';
import { join, sep } from 'node:path';

/** What a {@link FolderWatcher} reports: hints only, the caller stats the path to learn what happened. */
export interface FolderWatcherEvents {
  /** Something at this path (a file or a folder directly inside a watched folder) may have changed. */
  path(abs: string): void;
  /** The kernel lost events for this folder (queue overflow): look at all of it again. */
  overflow(dir: string): void;
  /** A folder could not be watched (ENOSPC: out of inotify watches); reported once per watcher. */
  limit(err: Error): void;
}

/**
 * One kernel watch per folder (Node's `fs.watch`, inotify on Linux), not one per file as chokidar
 * holds: a folder's watch already reports creates, writes, renames and deletes of its entries.
 * At 100,000 files in 1,000 folders that is 1,000 watches instead of 101,000 (measured: chokidar
 * needs ~950 MB and 8.6 s there). Links are never followed; `skip` excludes folders (the data folder).
 *
 * On Windows a folder's watch keeps a handle that stops anyone renaming or moving the folders
 * above it (chokidar #1380), so there one recursive watch of the root reports the whole tree
 * (ReadDirectoryChangesW) and no folder below it is held open.
 */
export class FolderWatcher {
  /** Each watched folder, with the inode it was when its watch was set. */
  private watchers = new Map<string, { watch: FSWatcher; ino: number }>();
  private closed = false;
  private limitReported = false;

  constructor(
    private readonly root: string,
    private readonly skip: (abs: string) => boolean,
    private readonly events: FolderWatcherEvents,
    /** One recursive watch of the root instead of one per folder (the default on Windows). */
    readonly recursive = process.platform === 'win32',
  ) {}

  has(dir: string): boolean {
    return this.recursive ? this.covers(dir) : this.watchers.has(dir);
  }

  /** The folders whose own kernel watch is open (one, the root, when recursive). */
  watchedFolders(): string[] {
    return [...this.watchers.keys()];
  }

  private covers(dir: string): boolean {
    return this.watchers.has(this.root) && (dir === this.root || dir.startsWith(this.root + sep));
  }

  /**
   * true when `dir` is watched and still the same folder: one deleted and made again under the
   * same name has a new inode and needs a new watch (the old one watches the deleted folder).
   */
  watches(dir: string, ino: number): boolean {
    if (this.recursive) return this.covers(dir);
    return this.watchers.get(dir)?.ino === ino;
  }

  start(): Promise<void> {
    return this.addTree(this.root);
  }

  /**
   * Watches a folder and every folder below it. Each folder is watched before it is read, so an
   * entry created while we walk is either seen by the walk's caller or reported by the watch.
   */
  async addTree(dir: string): Promise<void> {
    if (this.closed || this.skip(dir) || this.has(dir)) return;
    if (this.recursive && dir !== this.root) return;
    const st = await lstat(dir).catch(() => null);
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- close() may have run during the await
    if (!st?.isDirectory() || this.closed || this.watchers.has(dir)) return;
    if (!this.watchDir(dir, st.ino)) return;
    if (this.recursive) return;
    const subs: string[] = [];
    try {
      for await (const ent of await opendir(dir)) if (ent.isDirectory()) subs.push(join(dir, ent.name));
    } catch {
      return; // gone meanwhile: its parent's watch reports that
    }
    for (const sub of subs) await this.addTree(sub);
  }

  /** Stops watching a folder that is gone, and everything below it. */
  removeTree(dir: string): void {
    const prefix = dir + sep;
    for (const [path, { watch: w }] of this.watchers) {
      if (path === dir || path.startsWith(prefix)) {
        w.close();
        this.watchers.delete(path);
      }
    }
  }

  close(): void {
    this.closed = true;
    for (const { watch: w } of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private watchDir(dir: string, ino: number): boolean {
    try {
      const w = watch(dir, { persistent: false, recursive: this.recursive }, (_type, filename) => {
        if (this.closed) return;
        if (filename == null) this.events.overflow(dir);
        else {
          const abs = join(dir, filename);
          if (!this.recursive || !this.skip(abs)) this.events.path(abs);
        }
      });
      // A watched folder that is deleted ends its watch with an error on some systems: the
      // parent's watch reports the deletion itself.
      w.on('error', () => this.removeTree(dir));
      this.watchers.set(dir, { watch: w, ino });
      return true;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if ((e.code === 'ENOSPC' || e.code === 'EMFILE') && !this.limitReported) {
        this.limitReported = true;
        this.events.limit(e);
      }
      return false;
    }
  }
}
