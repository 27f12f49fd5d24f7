import { lstat, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileNameProblem } from '../../shared/file-names.js';
import { AppError } from '../errors.js';

/** Where the vault is and what in it counts as tracked. */
export interface VaultLayout {
  /** Absolute, symlink-free path of the vault. */
  root: string;
  /** Absolute path of the data folder; never listed or served even when inside the vault. */
  dataDir: string;
  extensions: readonly string[];
}

/** true when `child` is `parent` or lies below it. */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Checks a name by the file-name rules (shared/file-names.ts) and returns its absolute path inside the vault. */
export function vaultPath(layout: VaultLayout, name: unknown): string {
  if (typeof name !== 'string') throw new AppError('INVALID_REQUEST', 'filename must be a string.');
  const problem = fileNameProblem(name, layout.extensions);
  if (problem) throw new AppError('INVALID_REQUEST', `Invalid file name: ${problem}.`);
  const abs = resolve(layout.root, ...name.split('/'));
  if (!isInside(layout.root, abs) || abs === layout.root) {
    throw new AppError('INVALID_REQUEST', 'Invalid file name: it leads outside the vault.');
  }
  if (isInside(layout.dataDir, abs)) throw new AppError('INVALID_REQUEST', 'Invalid file name: the data folder is not part of the vault.');
  return abs;
}

export interface VaultFileStat {
  size: number;
  mtimeMs: number;
}

/**
 * The file's size and time when it is a regular file reached without following any link and
 * whose real path lies inside the vault; null otherwise.
 */
export async function statTracked(layout: VaultLayout, abs: string): Promise<VaultFileStat | null> {
  try {
    const st = await lstat(abs);
    if (!st.isFile()) return null;
    const real = await realpath(abs);
    if (!isInside(layout.root, real) || isInside(layout.dataDir, real)) return null;
    return { size: st.size, mtimeMs: st.mtimeMs };
  } catch {
    return null;
  }
}

/** The vault-relative, `/`-separated name of an absolute path. */
export function nameOf(layout: VaultLayout, abs: string): string {
  return relative(layout.root, abs).split(sep).join('/');
}

/** The one refusal for a name that is not a tracked file of the vault (`why` says more, if known). */
export function fileNotFound(name: string, why?: string): AppError {
  return new AppError('FILE_NOT_FOUND', `No tracked file named ${name} in the vault${why ? ` (${why})` : ''}.`);
}

/** A tracked file that exists now: its path and stat, or FILE_NOT_FOUND. */
export async function existingTracked(layout: VaultLayout, name: string): Promise<{ abs: string; stat: VaultFileStat }> {
  const abs = vaultPath(layout, name);
  const stat = await statTracked(layout, abs);
  if (!stat) throw fileNotFound(name);
  return { abs, stat };
}
