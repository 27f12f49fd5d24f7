import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { closeSync, fstatSync, fsyncSync, openSync, readSync, unlinkSync, writeSync, writevSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * The platform's rules for durable writes, in one place. Windows refuses to flush a folder (a
 * folder handle cannot be opened for writing) and refuses a rename over a file another process
 * has open (EPERM, EACCES or EBUSY: another server reading locks.json, antivirus, backup,
 * Mastercam). Tests replace these fields to play Windows on Linux.
 */
export const platform = {
  /** Folders cannot be flushed here; NTFS journals a rename's metadata itself. */
  windows: process.platform === 'win32',
  rename: (from: string, to: string): Promise<void> => fsp.rename(from, to),
  renameSync: (from: string, to: string): void => fs.renameSync(from, to),
  /** Flushes one folder (opened read-only: the only way a folder opens). */
  flushFolderSync: (dir: string): void => {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  },
  /** How long a refused rename is retried before the file counts as busy (contract §17: 5 s). */
  renameRetryMs: 5000,
};

/** Errors by which a file system says a folder cannot be flushed at all (not that a flush failed). */
const FOLDER_FLUSH_UNSUPPORTED = new Set(['EPERM', 'EACCES', 'EISDIR', 'EINVAL', 'EBADF', 'ENOTSUP']);
/** Errors by which Windows refuses a rename over a file that is open elsewhere, for a moment. */
const RENAME_BUSY = new Set(['EPERM', 'EACCES', 'EBUSY']);

/** true for the error a rename gave up with because the target stayed open in another program. */
export function isBusyError(err: unknown): boolean {
  return (err as { busy?: unknown } | null)?.busy === true;
}

function busy(err: unknown, tries: number): unknown {
  if (err && typeof err === 'object') Object.assign(err, { busy: true, tries });
  return err;
}

/**
 * After try `n` (1-based) failed with `err`: the wait before the next (10 ms doubling to 100 ms, as
 * VS Code's renameWithRetry), or a throw when it is no refusal for the moment or time is up.
 */
function nextTry(err: unknown, n: number, deadline: number): number {
  if (!RENAME_BUSY.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
  if (Date.now() >= deadline) throw busy(err, n);
  return Math.min(100, 10 * 2 ** (n - 1));
}

/**
 * Renames, retrying for `platform.renameRetryMs` while the target is refused as open elsewhere.
 * A rename that is still refused then throws with `busy: true` (see isBusyError).
 */
export async function renameRetrying(from: string, to: string): Promise<void> {
  const deadline = Date.now() + platform.renameRetryMs;
  for (let n = 1; ; n++) {
    try {
      await platform.rename(from, to);
      return;
    } catch (err) {
      const wait = nextTry(err, n, deadline);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** renameRetrying, blocking (for worker threads, which have nothing else to do meanwhile). */
export function renameRetryingSync(from: string, to: string): void {
  const deadline = Date.now() + platform.renameRetryMs;
  for (let n = 1; ; n++) {
    try {
      platform.renameSync(from, to);
      return;
    } catch (err) {
      Atomics.wait(sleeper, 0, 0, nextTry(err, n, deadline));
    }
  }
}

/** Suffix of our temp files, so watchers can ignore them. */
export const TEMP_SUFFIX = '.pdm-tmp';

export function tempPathFor(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`);
}

/**
 * Flushes a folder so a rename inside it survives a power cut, where the file system allows it:
 * on Windows, and on file systems that refuse to flush folders, it is never an error.
 */
export function fsyncDirectorySync(dir: string): void {
  if (platform.windows) return;
  try {
    platform.flushFolderSync(dir);
  } catch (err) {
    if (!FOLDER_FLUSH_UNSUPPORTED.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
  }
}

/** fsyncDirectorySync for the request thread. */
export async function fsyncDirectory(dir: string): Promise<void> {
  await Promise.resolve();
  fsyncDirectorySync(dir);
}

/** Flushes a file's bytes to disk (opened for writing: Windows will not flush a read-only handle). */
export function fsyncFileSync(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
export interface AtomicWriteOptions {
  /** fsync the file before the rename (durability), default true. */
  durable?: boolean;
  /** Last check before the rename; throwing aborts the write and removes the temp file. */
  beforeRename?: () => void;
  /** File mode of the new file (default 0o644). */
  mode?: number;
}

/** One gathered write (libuv writes every piece, retrying short writes); checked all the same. */
async function writeAll(fh: FileHandle, pieces: readonly Buffer[]): Promise<void> {
  const total = pieces.reduce((n, b) => n + b.length, 0);
  const { bytesWritten } = await fh.writev(pieces as Buffer[]);
  if (bytesWritten !== total) throw new Error(`short write: ${bytesWritten} of ${total} bytes`);
}

/**
 * Write a whole file so that a reader sees either the old or the new content, never a mix:
 * temp file in the same directory, write, fsync, rename over. The caller fsyncs the directory
 * (once per group of renames) when it needs the rename itself to be durable.
 */
export async function writeFileAtomic(file: string, data: string | Buffer | readonly Buffer[], opts: AtomicWriteOptions = {}): Promise<void> {
  const tmp = tempPathFor(file);
  try {
    const fh = await open(tmp, 'w', opts.mode ?? 0o644);
    try {
      if (Array.isArray(data)) await writeAll(fh, data);
      else await fh.writeFile(data as string | Buffer);
      if (opts.durable !== false) await fh.sync();
    } finally {
      await fh.close();
    }
    opts.beforeRename?.();
    await renameRetrying(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

// Blocking twins, for the lock store's commit thread: there each file-system call is a plain
// call, where on the request thread every step waited behind the requests being handled.

function writeAllSync(fd: number, pieces: readonly Uint8Array[]): void {
  const list = pieces.filter((p) => p.length > 0);
  while (list.length > 0) {
    let n = writevSync(fd, list);
    // A short write: drop what was written and go on with the rest.
    while (list.length > 0 && n >= list[0]!.length) n -= list.shift()!.length;
    if (n > 0) list[0] = list[0]!.subarray(n);
  }
}

/**
 * Writes a string whole. Node encodes it into a buffer of its own that is freed when the call
 * returns (no ArrayBuffer left for the collector); a short write (rare on a regular file)
 * goes on with the rest as bytes.
 */
function writeStringSync(fd: number, text: string): void {
  const n = writeSync(fd, text);
  if (n === Buffer.byteLength(text)) return;
  const rest = Buffer.from(text).subarray(n);
  for (let off = 0; off < rest.length; ) off += writeSync(fd, rest, off);
}

/** writeFileAtomic, blocking. */
export function writeFileAtomicSync(file: string, pieces: readonly Uint8Array[], opts: AtomicWriteOptions = {}): void {
  const tmp = tempPathFor(file);
  try {
    const fd = openSync(tmp, 'w', opts.mode ?? 0o644);
    try {
      writeAllSync(fd, pieces);
      if (opts.durable !== false) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    opts.beforeRename?.();
    renameRetryingSync(tmp, file);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or renamed already
    }
    throw err;
  }
}

const lastByte = Buffer.alloc(1);

/**
 * Appends `text` and fsyncs it before returning (the activity log's lines); answers the offset
 * `text` starts at, so a reader that was at that offset can take the lines without reading them.
 */
export function appendDurablySync(file: string, text: string): number {
  const fd = openSync(file, 'a+', 0o644);
  try {
    // A torn last line (a crash, a full disk) gets its own line end first, so the new lines parse.
    const { size } = fstatSync(fd);
    const torn = size > 0 && readSync(fd, lastByte, 0, 1, size - 1) === 1 && lastByte[0] !== 0x0a;
    writeStringSync(fd, torn ? '\n' + text : text);
    fsyncSync(fd);
    return torn ? size + 1 : size;
  } finally {
    closeSync(fd);
  }
}
