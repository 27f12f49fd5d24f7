import { createHash, randomBytes } from 'node:crypto';
import { fsyncFileSync, renameRetryingSync } from '../storage/durable-files.js';
import { DEFAULT_STALE_MS, lockFileSync } from '../storage/file-lock.js';
import { closeSync, constants as fsc, existsSync, fstatSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, readlinkSync, readSync, realpathSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { join, sep } from 'node:path';
import type { Version } from '../../shared/protocol.js';
import { EXACT_NAMES, folds, nameKey, type NameRules } from '../vault/name-rules.js';

/** One file's history as stored in its `versions.json`. */
export interface FileVersions {
  name: string;
  next: number;
  /** Oldest first. */
  versions: Version[];
}

export interface RecordOptions {
  user: string | null;
  comment?: string | null;
  /**
   * fsync the blob and versions.json before answering (default true): an upload's answer
   * promises its version. The content a check-out starts from, or a save seen on disk, is still
   * in the vault when the record is made, and nobody is told it was kept: those skip the two
   * fsyncs, which were most of a record's cost (a power cut may lose the newest such records).
   */
  durable?: boolean;
  /**
   * `source` is the server's own temp file (an upload's or a restore's bytes, in the data folder's
   * staging area or beside the file): recorded from there, before it replaces the vault file.
   */
  staged?: boolean;
  /**
   * Keep it only when the file was last written at or before this time (ms) and not during the
   * read: the content at a check-out seen late (a hand edit of locks.json, another server's lock)
   * is no longer that content once the holder has saved.
   */
  unchangedSince?: number;
}

/** The folder of a file's history: `<dir>/<first 32 hex of sha256(name)>`. */
export function historyFolder(dir: string, name: string, rules: NameRules = EXACT_NAMES): string {
  const folder = (n: string) => join(dir, createHash('sha256').update(n).digest('hex').slice(0, 32));
  const own = folder(nameKey(rules, name));
  if (!folds(rules) || existsSync(own)) return own;
  // Versions kept before the vault's spelling rules were known stay where they are.
  const exact = folder(name);
  return existsSync(exact) ? exact : own;
}

export function emptyHistory(name: string): FileVersions {
  return { name, next: 1, versions: [] };
}

/**
 * The blocking half of the version store, run on its own thread (see version-thread.ts): a record
 * is some twenty file-system calls, and as promises on the main thread each one cost a trip
 * through libuv's pool and back (~1 ms of CPU per record, measured); here they are plain calls.
 */
export class VersionFiles {
  private readonly folders = new Set<string>();
  private readonly folderNames = new Map<string, string>();
  /** What each file looked like when last hashed here (ino:size:mtime), and its sha256. */
  private readonly hashed = new Map<string, { stamp: string; sha: string }>();
  private readonly buf = Buffer.allocUnsafe(1 << 20);
  private readonly tempPrefix = `${process.pid}-${threadId}-${randomBytes(3).toString('hex')}-`;
  private tempCount = 0;

  constructor(
    private readonly dir: string,
    private readonly keep: number,
    /** The vault: a source must lie inside it, outside `dataDir`, reached without links. */
    private readonly vault: { root: string; dataDir: string },
    /** proper-lockfile's stale period for a history's lock, as for locks.json's. */
    private readonly staleMs = DEFAULT_STALE_MS,
    /** How the vault compares names: every spelling of a file shares one history. */
    private readonly rules: NameRules = EXACT_NAMES,
  ) {}

  /**
   * Stores the file's current content as a new version unless it equals the newest one (then
   * null). `source` may be another file than the vault path (an upload's temp file).
   *
   * A file with no history yet (every first check-out records one) gets it without taking the
   * file's lock: its versions.json is linked into place complete, which fails if another server
   * created one meanwhile (then the locked path below). The lock (mkdir, utimes, stat, rmdir, and
   * proper-lockfile's sync wrappers) was ~40% of a record's CPU, measured.
   */
  record(name: string, source: string, opts: RecordOptions): Version | null {
    const durable = opts.durable !== false;
    const { folder, created } = this.folder(name);
    const hashed = this.hash(name, source, opts.staged === true);
    if (opts.unchangedSince !== undefined && (!hashed.stable || hashed.mtimeMs > opts.unchangedSince)) return null;
    let { sha, size } = hashed;
    const { bytes } = hashed;
    const make = (h: FileVersions): Version => {
      const version: Version = { number: h.next, user: opts.user, at: new Date().toISOString(), size_bytes: size, sha256: sha, comment: opts.comment ?? null };
      h.next += 1;
      h.versions.push(version);
      return version;
    };
    if (created && bytes && !durable) {
      // A folder this call created is empty (a server racing for the same file finds it existing
      // and takes the path below): the blob and the history are created in place, exclusively,
      // without temp files: three metadata operations instead of six. A write cut short leaves a
      // short blob (keepBlob checks the size) or a versions.json that does not parse (replaced).
      const h = emptyHistory(name);
      const version = make(h);
      if (createExclusive(join(folder, sha), bytes) && createExclusive(join(folder, 'versions.json'), Buffer.from(JSON.stringify(h, null, 2) + '\n'))) return version;
    }
    const first = this.read(name);
    if (first.history.versions.at(-1)?.sha256 === sha) return null;
    if (bytes) this.keepBytes(join(folder, sha), bytes, durable);
    else {
      // Too big to hold: copied and hashed in one pass, so the blob is the bytes its name says
      // even when the file was saved again since the hash above.
      ({ sha, size } = this.copyHashing(folder, source, opts.staged === true, durable));
      if (first.history.versions.at(-1)?.sha256 === sha) return null;
    }
    if (!first.exists) {
      const h = emptyHistory(name);
      const version = make(h);
      if (this.create(name, h, durable)) return version;
    }
    return this.locked(name, () => {
      for (;;) {
        const { history: h, exists } = this.read(name);
        if (h.versions.at(-1)?.sha256 === sha) return null;
        const version = make(h);
        if (!exists) {
          if (this.create(name, h, durable)) return version;
          continue; // created without the lock meanwhile: read it
        }
        const dropped = h.versions.splice(0, Math.max(0, h.versions.length - this.keep));
        this.write(name, h, durable);
        for (const d of dropped) {
          if (h.versions.some((v) => v.sha256 === d.sha256)) continue;
          try {
            unlinkSync(join(folder, d.sha256));
          } catch {
            // already gone
          }
        }
        return version;
      }
    });
  }

  /**
   * Bytes read whole (and hashed in that read) as blob `<sha256>`, complete before it has that
   * name. Content-addressed, so it needs no lock: the same bytes give the same name.
   */
  private keepBytes(blob: string, bytes: Buffer, durable: boolean): void {
    if (statSync(blob, { throwIfNoEntry: false })?.size === bytes.length) {
      if (durable) fsyncFileSync(blob); // kept before by a record that did not fsync
      return;
    }
    const tmp = this.tempName(blob);
    try {
      const fd = openSync(tmp, 'wx', 0o644);
      try {
        for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
        if (durable) fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameRetryingSync(tmp, blob);
    } catch (err) {
      removeQuietly(tmp);
      throw err;
    }
  }

  /**
   * Copies `source` into the history folder, hashing what is copied, and names the copy by that
   * hash: the blob's bytes are its name's whatever the file did meanwhile (an existing blob of
   * that name is replaced, which also repairs one an older version kept wrong).
   */
  private copyHashing(folder: string, source: string, staged: boolean, durable: boolean): { sha: string; size: number } {
    const input = this.openSource(source, staged);
    const tmp = this.tempName(join(folder, 'blob'));
    let output: number | null = null;
    try {
      output = openSync(tmp, 'wx', 0o644);
      const h = createHash('sha256');
      let size = 0;
      for (;;) {
        const n = readSync(input, this.buf, 0, this.buf.length, null);
        if (n === 0) break;
        h.update(this.buf.subarray(0, n));
        for (let off = 0; off < n; ) off += writeSync(output, this.buf, off, n - off);
        size += n;
      }
      if (durable) fsyncSync(output);
      closeSync(output);
      output = null;
      const sha = h.digest('hex');
      renameRetryingSync(tmp, join(folder, sha));
      return { sha, size };
    } catch (err) {
      if (output !== null) closeSync(output);
      removeQuietly(tmp);
      throw err;
    } finally {
      closeSync(input);
    }
  }

  /** Gives the newest version made by `user` since `since` a comment (a check-in's comment). */
  comment(name: string, user: string, since: string, comment: string): void {
    this.folder(name);
    this.locked(name, () => {
      const { history: h, exists } = this.read(name);
      if (!exists) return;
      const v = h.versions.at(-1);
      if (!v || v.user !== user || v.at < since || v.comment) return;
      v.comment = comment;
      this.write(name, h);
    });
  }

  /** `historyFolder`, remembered (on a folding vault it looks at the disk once per name). */
  private folderOf(name: string): string {
    let folder = this.folderNames.get(name);
    if (folder === undefined) {
      if (this.folderNames.size >= 200_000) this.folderNames.clear();
      folder = historyFolder(this.dir, name, this.rules);
      this.folderNames.set(name, folder);
    }
    return folder;
  }

  /** The file's history folder; `created` when this call made it (so it is empty). */
  private folder(name: string): { folder: string; created: boolean } {
    const folder = this.folderOf(name);
    if (this.folders.has(folder)) return { folder, created: false };
    const made = mkdirSync(folder, { recursive: true });
    this.folders.add(folder);
    return { folder, created: made === folder };
  }

  /**
   * sha256 and size, and the bytes when the file fit in one read (null otherwise); a file
   * unchanged (same inode, size, mtime) since it was last hashed is not read again.
   */
  private hash(name: string, source: string, staged: boolean): { sha: string; size: number; bytes: Buffer | null; mtimeMs: number; stable: boolean } {
    const fd = this.openSource(source, staged);
    try {
      const st = fstatSync(fd, { bigint: true });
      // The inode, not the path: an upload's temp file, recorded and then renamed into the vault,
      // is the same content under its new name (no second read of a 3 MiB file on the next upload).
      const stamp = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
      const known = this.hashed.get(name);
      const mtimeMs = Number(st.mtimeNs / 1000n) / 1000;
      if (known?.stamp === stamp) return { sha: known.sha, size: Number(st.size), bytes: null, mtimeMs, stable: true };
      const h = createHash('sha256');
      let size = 0;
      // While the file fits in the buffer its bytes are kept there whole; past that, streamed.
      let held = 0;
      let whole = true;
      for (;;) {
        const n = whole ? readSync(fd, this.buf, held, this.buf.length - held, null) : readSync(fd, this.buf, 0, this.buf.length, null);
        if (n === 0) break;
        size += n;
        if (!whole) {
          h.update(this.buf.subarray(0, n));
          continue;
        }
        held += n;
        if (held === this.buf.length) {
          h.update(this.buf);
          whole = false;
        }
      }
      if (whole) h.update(this.buf.subarray(0, held));
      const sha = h.digest('hex');
      const after = fstatSync(fd, { bigint: true });
      const stable = after.mtimeNs === st.mtimeNs && after.size === st.size && BigInt(size) === st.size;
      if (stable) this.hashed.set(name, { stamp, sha });
      return { sha, size, bytes: whole ? this.buf.subarray(0, held) : null, mtimeMs, stable };
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Opens a source to read: without following a link, without waiting on a FIFO or device swapped
   * in for the file (O_NONBLOCK; the type is checked before any read), only inside the vault (or,
   * `staged`, the server's own temp file).
   */
  private openSource(source: string, staged: boolean): number {
    const fd = openSync(source, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
    try {
      this.assertInVault(source, fd, staged);
      if (!fstatSync(fd).isFile()) throw Object.assign(new Error(`${source} is not a regular file`), { code: 'EPDM_NOT_TRACKED' });
      return fd;
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /**
   * Checked here, where the content is read, rather than only when the request came in: the
   * folders on the way may have been swapped for links meanwhile. The vault root has no links in
   * it, so a source whose real path differs went through one.
   */
  private assertInVault(source: string, fd: number, staged = false): void {
    // Linux names the open file's real path in /proc (one call; realpath reads every folder on the way).
    let real: string;
    try {
      real = process.platform === 'linux' ? readlinkSync(`/proc/self/fd/${fd}`) : realpathSync.native(source);
    } catch {
      real = realpathSync.native(source);
    }
    const { root, dataDir } = this.vault;
    const inside = (dir: string) => real === dir || real.startsWith(dir.endsWith(sep) ? dir : dir + sep);
    if (staged && real === source && (inside(root) || inside(dataDir))) return;
    if (real !== source || !inside(root) || inside(dataDir)) {
      throw Object.assign(new Error(`${source} leads outside the vault or through a link: no version kept`), { code: 'EPDM_NOT_TRACKED' });
    }
  }

  /** The history; `exists` is false only when there is no versions.json (one that does not parse is replaced). */
  private read(name: string): { history: FileVersions; exists: boolean } {
    let text: string;
    try {
      text = readFileSync(join(this.folderOf(name), 'versions.json'), 'utf8');
    } catch (err) {
      return { history: emptyHistory(name), exists: (err as NodeJS.ErrnoException).code !== 'ENOENT' };
    }
    try {
      return { history: JSON.parse(text) as FileVersions, exists: true };
    } catch {
      return { history: emptyHistory(name), exists: true };
    }
  }

  /** A temp name beside `file`: unique per process, thread and call (randomBytes per call cost ~20 µs). */
  private tempName(file: string): string {
    return `${file}.${this.tempPrefix}${(this.tempCount++).toString(36)}.tmp`;
  }

  /** Writes a first versions.json; false (and nothing changed) when one exists already. */
  private create(name: string, h: FileVersions, durable: boolean): boolean {
    const file = join(this.folderOf(name), 'versions.json');
    const tmp = this.tempName(file);
    this.writeTemp(tmp, h, durable);
    try {
      linkSync(tmp, file);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      unlinkSync(tmp);
    }
  }

  private writeTemp(tmp: string, h: FileVersions, durable: boolean): void {
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      writeSync(fd, JSON.stringify(h, null, 2) + '\n');
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  private write(name: string, h: FileVersions, durable = true): void {
    const file = join(this.folderOf(name), 'versions.json');
    const tmp = this.tempName(file);
    this.writeTemp(tmp, h, durable);
    renameRetryingSync(tmp, file);
  }

  /** The file's inter-process lock (proper-lockfile, as on the main thread), waiting while it is busy. */
  private locked<T>(name: string, fn: () => T): T {
    const file = join(this.folderOf(name), 'versions.json');
    const release = lockFileSync(file, { staleMs: this.staleMs });
    try {
      return fn();
    } finally {
      try {
        release();
      } catch {
        // a lock taken over as stale: nothing left to release
      }
    }
  }
}

/** Creates `path` with `bytes`; false (nothing written) when it exists already. */
function createExclusive(path: string, bytes: Buffer): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
  } finally {
    closeSync(fd);
  }
  return true;
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // never created, or renamed already
  }
}
