import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { fsyncDirectory, tempPathFor, writeFileAtomic } from '../storage/durable-files.js';

/** A key shorter than this (an empty or torn file) is never used: it would let anyone sign. */
export const MIN_KEY_BYTES = 32;

const KEY_FILE = 'session.key';

function decode(text: string): Buffer | null {
  const key = Buffer.from(text.trim(), 'base64url');
  return key.length >= MIN_KEY_BYTES ? key : null;
}

async function readKey(file: string): Promise<Buffer | null> {
  try {
    return decode(await readFile(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Makes the keys folder readable by the server's account only: mode 0700 on POSIX; on Windows,
 * where mode bits mean nothing and a folder inherits its parent's ACL, inheritance is cut and
 * only this account, SYSTEM and Administrators keep access (icacls).
 */
export async function secureKeysFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') {
    await chmod(dir, 0o700);
    return;
  }
  const me = process.env.USERDOMAIN && process.env.USERNAME ? `${process.env.USERDOMAIN}\\${process.env.USERNAME}` : (process.env.USERNAME ?? '');
  const grants = [me, '*S-1-5-18', '*S-1-5-32-544'].filter(Boolean).flatMap((who) => ['/grant:r', `${who}:(OI)(CI)F`]);
  await promisify(execFile)('icacls', [dir, '/inheritance:r', ...grants], { windowsHide: true, timeout: 10_000 });
}

/**
 * The session signing key in `keysDir`, made on first use. It is created whole or not at all (a
 * temp file linked into place: a crash or a full disk never leaves a short key under its name),
 * and a key file that is empty or short is replaced, never used. A key left in the data folder by
 * an older version is moved here first (the data folder is on the share).
 */
export async function loadSigningKey(keysDir: string, dataDir: string): Promise<Buffer> {
  const file = join(keysDir, KEY_FILE);
  await moveLegacyKey(join(dataDir, KEY_FILE), file);
  const existing = await readKey(file);
  if (existing) return existing;
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  const tmp = tempPathFor(file);
  try {
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(randomBytes(MIN_KEY_BYTES).toString('base64url'));
      await fh.sync();
    } finally {
      await fh.close();
    }
    // link fails when another server made the key first: then its key is the one to use.
    await link(tmp, file).catch(async (err: unknown) => {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (!(await readKey(file))) await rename(tmp, file); // a short one: replaced
    });
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  await fsyncDirectory(keysDir);
  const key = await readKey(file);
  if (!key) throw new Error(`the session key ${file} could not be made`);
  return key;
}

async function moveLegacyKey(legacy: string, file: string): Promise<void> {
  const old = await readKey(legacy).catch(() => null);
  if (!old) return;
  if (!(await readKey(file))) {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(file, old.toString('base64url'), { mode: 0o600 });
  }
  await unlink(legacy).catch(() => undefined);
}
