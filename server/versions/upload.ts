import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { fileNotFound } from '../vault/vault-paths.js';

/** Suffix of upload temp files: not a tracked extension, so watchers ignore them. */
export const UPLOAD_SUFFIX = '.pdm-upload';

/** Who made a temp file: this host and process, so a restart can tell its own leftovers. */
const HOST = createHash('sha256').update(hostname()).digest('hex').slice(0, 6);
const OWNER = new RegExp(`\\.([0-9a-f]{6})-(\\d+)-[0-9a-f]+\\${UPLOAD_SUFFIX}$`);
/** A temp file of another host is taken as left over after this long without a write. */
const FOREIGN_AGE_MS = 60 * 60_000;

/** A temp name for `target` in `dir`, e.g. `.PN1001.mcam.3fa9c1-4242-9b1e0d2a.pdm-upload`. */
export function uploadTempName(target: string, dir = dirname(target)): string {
  return join(dir, `.${basename(target)}.${HOST}-${process.pid}-${randomBytes(4).toString('hex')}${UPLOAD_SUFFIX}`);
}

/**
 * Where the bytes for `target` are gathered: the staging folder (in the data folder) when it is
 * on the same file system as `target`'s folder, so the final rename stays atomic; else beside
 * `target`. In the staging folder a temp file is never reached through the vault's folders, so
 * a folder swapped for a link meanwhile cannot lead its writes or its removal astray.
 */
export async function uploadTempPath(target: string, staging: string): Promise<string> {
  await mkdir(staging, { recursive: true });
  const [a, b] = await Promise.all([stat(staging), stat(dirname(target))]);
  return uploadTempName(target, a.dev === b.dev ? staging : dirname(target));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const cutOff = () => new AppError('INVALID_REQUEST', 'The upload was cut off before it ended.');

/**
 * The file at `abs` is still what it was when the request began: a regular file reached without
 * any link (the vault root and `abs` are real paths, so its real path is itself). A file or
 * folder swapped for a link meanwhile is no tracked file: 404, and nothing is written through it.
 */
export async function assertStillReal(abs: string, name: string): Promise<void> {
  const real = await realpath(abs).catch(() => null);
  const st = await lstat(abs).catch(() => null);
  if (real !== abs || !st?.isFile()) throw fileNotFound(name, 'it was moved or replaced by a link');
}

/** The bytes of a new version as they arrive (an HTTP request body, in the server). */
export interface UploadBody {
  stream: Readable;
  /** What the sender said it sends (Content-Length), if anything. */
  declaredBytes: number | null;
  /** Whether everything the sender meant to send arrived (the request was not cut off). */
  complete(): boolean;
}

/**
 * Streams an upload to a temp file (see uploadTempPath), refusing more than `limit` bytes. On any
 * failure, including a sender that went away before this was called (pipeline settles for streams
 * already ended or destroyed), the temp file is closed and removed and an error thrown.
 */
export async function receiveUpload(body: UploadBody, target: string, name: string, limit: number, staging: string): Promise<string> {
  const req = body.stream;
  if (body.declaredBytes !== null && body.declaredBytes > limit) throw new AppError('PAYLOAD_TOO_LARGE', `The upload is over the limit of ${limit} bytes.`);
  if (req.destroyed || req.readableAborted) throw cutOff();
  await assertStillReal(target, name);
  const tmp = await uploadTempPath(target, staging);
  const out = createWriteStream(tmp, { flags: 'wx', mode: 0o644 });
  let received = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      if (received > limit) done(new AppError('PAYLOAD_TOO_LARGE', `The upload is over the limit of ${limit} bytes.`));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(req, counter, out);
    if (!body.complete()) throw cutOff();
    // Durable before it replaces the file.
    const fh = await open(tmp, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    return tmp;
  } catch (err) {
    // Closed (its descriptor given back) before the name goes: an open still under way would
    // otherwise create the file after the unlink.
    out.destroy();
    if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
    await unlink(tmp).catch(() => undefined);
    if (err instanceof AppError) throw err;
    throw cutOff();
  }
}

/**
 * Whether an upload temp file is left over: made on this host by a process that is gone, or
 * (another server sharing the vault from elsewhere, or an older name) untouched for an hour.
 */
async function leftOver(abs: string): Promise<boolean> {
  const m = OWNER.exec(abs);
  if (m && m[1] === HOST && Number(m[2]) !== process.pid) return !alive(Number(m[2]));
  const st = await lstat(abs).catch(() => null);
  return st !== null && Date.now() - st.mtimeMs > FOREIGN_AGE_MS;
}

/**
 * Removes the upload temp files killed servers left in `dir` and its sub-folders (never
 * following links), so they do not pile up across restarts. Returns how many were removed.
 */
export async function removeLeftoverUploads(dir: string, skip: (abs: string) => boolean): Promise<number> {
  let removed = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const abs = join(dir, e.name);
    if (skip(abs)) continue;
    if (e.isDirectory()) removed += await removeLeftoverUploads(abs, skip);
    else if (e.isFile() && e.name.endsWith(UPLOAD_SUFFIX) && (await leftOver(abs))) removed += await unlink(abs).then(() => 1, () => 0);
  }
  return removed;
}

/** The upload temp files killed servers left in the staging folder and the vault, removed and counted in the log. */
export async function cleanLeftoverUploads(layout: { root: string; dataDir: string }, staging: string, logger: Logger): Promise<void> {
  const [a, b] = await Promise.all([removeLeftoverUploads(staging, () => false), removeLeftoverUploads(layout.root, (abs) => abs === layout.dataDir)]);
  if (a + b > 0) logger.info({ removed: a + b }, 'removed upload temp files left by a stopped server');
}
