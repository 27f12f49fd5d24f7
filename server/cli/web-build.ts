import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const ent of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, ent.name);
    newest = Math.max(newest, ent.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds the page with Vite when dist/ is missing or older than web/ or shared/ (a source checkout). */
export async function ensureWebBuilt(projectRoot: string): Promise<string | null> {
  const dist = join(projectRoot, 'dist');
  const index = join(dist, 'index.html');
  const sources = [join(projectRoot, 'web'), join(projectRoot, 'shared')].filter((d) => existsSync(d));
  if (sources.length === 0) return existsSync(index) ? dist : null;
  const stale = !existsSync(index) || Math.max(...sources.map(newestMtime)) > statSync(index).mtimeMs;
  if (stale) {
    const { build } = await import('vite');
    await build({ configFile: join(projectRoot, 'vite.config.ts'), logLevel: 'warn' });
  }
  return dist;
}
