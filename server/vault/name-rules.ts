import { randomBytes } from 'node:crypto';
import { lstat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LockInfo, LocksMap } from '../../shared/protocol.js';

/**
 * How the vault's file system tells names apart, found by trying it there (never guessed from
 * the platform): NTFS, SMB/CIFS mounts and macOS do not tell `PN1.mcam` from `pn1.MCAM`; macOS
 * also takes `é` (NFC) and `e` + U+0301 (NFD) as one name. ext4 tells all of them apart.
 */
export interface NameRules {
  /** Names that differ only in case are one file. */
  caseInsensitive: boolean;
  /** Names that differ only in Unicode normal form (NFC/NFD) are one file. */
  formInsensitive: boolean;
}

export const EXACT_NAMES: NameRules = { caseInsensitive: false, formInsensitive: false };

/** true when two spellings may name one file on this vault. */
export function folds(rules: NameRules): boolean {
  return rules.caseInsensitive || rules.formInsensitive;
}

/** One key for every spelling the file system takes as the same name. */
export function nameKey(rules: NameRules, name: string): string {
  let key = rules.formInsensitive ? name.normalize('NFC') : name;
  if (rules.caseInsensitive) key = key.toLowerCase();
  return key;
}

async function sameFile(dir: string, made: string, other: string): Promise<boolean> {
  const path = join(dir, made);
  await writeFile(path, '', { flag: 'wx' });
  try {
    const [a, b] = await Promise.all([lstat(path), lstat(join(dir, other)).catch(() => null)]);
    return b !== null && a.ino === b.ino && a.dev === b.dev;
  } finally {
    await unlink(path).catch(() => undefined);
  }
}

/**
 * Tries the rules in `dir` (a folder of the vault where the server may write: its data folder,
 * or the vault itself) with two empty files made and removed at once.
 */
export async function probeNameRules(dir: string): Promise<NameRules> {
  const tag = randomBytes(4).toString('hex');
  const caseInsensitive = await sameFile(dir, `.pdm-case-${tag}-aB`, `.pdm-case-${tag}-Ab`);
  const formInsensitive = await sameFile(dir, `.pdm-form-${tag}-\u00e9`, `.pdm-form-${tag}-e\u0301`);
  return { caseInsensitive, formInsensitive };
}

/**
 * The vault's rules, tried in its root (the server writes there anyway: uploads); in the data
 * folder when the root is read-only to it; exact names when neither can be tried.
 */
export async function probeVaultNames(layout: { root: string; dataDir: string }, logger?: { warn(o: object, m: string): void; info(o: object, m: string): void }): Promise<NameRules> {
  for (const dir of [layout.root, layout.dataDir]) {
    try {
      const rules = await probeNameRules(dir);
      if (folds(rules)) logger?.info({ rules }, 'the vault does not tell every spelling of a name apart: names are matched as the share does');
      return rules;
    } catch {
      // read-only here: try the next place
    }
  }
  logger?.warn({}, 'could not find out how the vault compares names (no folder to try it in): names are taken as exact');
  return EXACT_NAMES;
}

/** Two keys of a hand-edited locks.json that name one file; the older lock counts. */
export interface DuplicateKeys {
  kept: string;
  dropped: string;
}

/**
 * locks.json as the vault sees it: each key in the disk's spelling (`spelling`), two keys for one
 * file merged to the older lock. Returns the same map when nothing changed (the usual case).
 */
export function respellLocks(locks: LocksMap, rules: NameRules, spelling: (name: string) => string): { locks: LocksMap; duplicates: DuplicateKeys[] } {
  if (!folds(rules)) return { locks, duplicates: [] };
  let changed = false;
  const out: LocksMap = {};
  const byKey = new Map<string, string>();
  const duplicates: DuplicateKeys[] = [];
  for (const [name, lock] of Object.entries(locks)) {
    const disk = spelling(name);
    const key = nameKey(rules, disk);
    const first = byKey.get(key);
    if (first === undefined) {
      byKey.set(key, disk);
      out[disk] = lock;
      if (disk !== name) changed = true;
      continue;
    }
    changed = true;
    const older = isOlder(lock, out[first]!);
    duplicates.push(older ? { kept: name, dropped: first } : { kept: first, dropped: name });
    if (older) out[first] = lock;
  }
  return { locks: changed ? out : locks, duplicates };
}

function isOlder(a: LockInfo, b: LockInfo): boolean {
  return Date.parse(a.timestamp) < Date.parse(b.timestamp);
}
