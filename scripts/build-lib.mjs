// Shared by build.mjs and build-if-stale.mjs: what the build reads and where it leaves its stamp.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist');
/** Written last by a build that succeeded: its mtime is the build's. */
export const STAMP = join(DIST, '.built');
const SOURCES = ['server', 'shared', 'web', 'package.json', 'tsconfig.base.json', 'tsconfig.json', 'tsconfig.build.json', 'web/tsconfig.json', 'vite.config.ts'];

function newest(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let n = st.mtimeMs;
  for (const e of readdirSync(path)) n = Math.max(n, newest(join(path, e)));
  return n;
}

/** True when dist/ is missing or older than any source it is built from. */
export function isStale() {
  if (!existsSync(STAMP)) return true;
  const built = statSync(STAMP).mtimeMs;
  return SOURCES.map((s) => join(ROOT, s)).filter(existsSync).some((s) => newest(s) > built);
}
