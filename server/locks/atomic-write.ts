import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, unlinkSync, writeSync, writevSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Suffix of our temp files, so watchers can ignore them. */
export const TEMP_SUFFIX = '.pdm-tmp';

export function tempPathFor(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`);
}

/** fsync a directory so a rename inside it survives a power cut. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
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
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

// Blocking twins, for the lock store's commit thread: there each file-system call is a plain
// call, where on the request thread every step waited behind the requests being handled.

export function fsyncDirectorySync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

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
    renameSync(tmp, file);
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

/** Appends `text` and fsyncs it before returning (the activity log's lines). */
export function appendDurablySync(file: string, text: string): void {
  const fd = openSync(file, 'a+', 0o644);
  try {
    // A torn last line (a crash, a full disk) gets its own line end first, so the new lines parse.
    const { size } = fstatSync(fd);
    const torn = size > 0 && readSync(fd, lastByte, 0, 1, size - 1) === 1 && lastByte[0] !== 0x0a;
    writeStringSync(fd, torn ? '\n' + text : text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
