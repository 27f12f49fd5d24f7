import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Compiled, this file is dist/server/package-files.js; run from the sources (tests, dev), it is
// server/package-files.ts. Either way the package root is where package.json is.
const fromSource = import.meta.url.endsWith('.ts');

/** The installed package's (or the checkout's) root folder. */
export const PACKAGE_ROOT = fileURLToPath(new URL(fromSource ? '../' : '../../', import.meta.url));

/** The page as `npm run build` leaves it. */
export const WEB_DIST = join(PACKAGE_ROOT, 'dist', 'web');

/** package.json's version, for `pdm-live --version`. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}
