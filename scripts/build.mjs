// npm run build: the server and shared code compiled by tsc into dist/server and dist/shared,
// the page built by Vite into dist/web, then the stamp that build-if-stale.mjs compares.
// `--no-check`: emit without type-checking again (npm test runs it right after `npm run typecheck`).
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DIST, ROOT, STAMP } from './build-lib.mjs';

const require = createRequire(import.meta.url);
rmSync(DIST, { recursive: true, force: true });
const check = process.argv.includes('--no-check') ? ['--noCheck'] : [];
const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), ...check], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
const { build } = await import('vite');
await build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn' });
writeFileSync(STAMP, new Date().toISOString() + '\n');
