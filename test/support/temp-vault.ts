import { mkdtemp, mkdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface TempVault {
  /** The vault (real path). */
  root: string;
  dataDir: string;
  locksFile: string;
  /** The server's keys folder (beside the vault, as --keys keeps it off the share). */
  keysDir: string;
  /** A folder beside the vault, for canaries and outside targets. */
  outside: string;
  /** Writes a file into the vault (folders created). */
  write(name: string, content?: string | Buffer): Promise<string>;
  cleanup(): Promise<void>;
}

/** A fresh vault per test, with a few tracked files unless told otherwise. */
export async function makeVault(files: string[] = ['PN1001.mcam', 'PN1002.mcam', 'PN1003.vnc', 'customer-a/PN2002.vnc']): Promise<TempVault> {
  const base = await realpath(await mkdtemp(join(tmpdir(), 'pdm-test-')));
  const root = join(base, 'vault');
  const outside = join(base, 'outside');
  await mkdir(root);
  await mkdir(outside);
  const dataDir = join(root, '.pdm');
  const write = async (name: string, content: string | Buffer = `content of ${name}\n`) => {
    const abs = join(root, ...name.split('/'));
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, content);
    return abs;
  };
  for (const f of files) await write(f);
  return { root, dataDir, locksFile: join(dataDir, 'locks.json'), keysDir: join(base, 'keys'), outside, write, cleanup: () => rm(base, { recursive: true, force: true }) };
}
