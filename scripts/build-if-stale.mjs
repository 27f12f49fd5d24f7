// npm start: builds first when dist/ is missing or older than the sources (a fresh clone, a pull).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isStale, ROOT } from './build-lib.mjs';

if (isStale()) {
  console.log('Building PDM Live (dist/ is missing or older than the sources)…');
  const r = spawnSync(process.execPath, [fileURLToPath(new URL('./build.mjs', import.meta.url))], { stdio: 'inherit', cwd: ROOT });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
