import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { closedLoop, fmt, postJson, spawnServer, summarize, tempVault } from './support.js';

export interface ThroughputRow {
  name: string;
  ok: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
}

/**
 * Check-outs per second at `concurrency` HTTP connections, each on its own files, durable writes,
 * for at most `seconds` (and at most the files prepared).
 */
async function measure(name: string, env: Record<string, string>, existingLocks: number, seconds: number, concurrency = 50): Promise<ThroughputRow> {
  const files = 40_000;
  const { root, names } = await tempVault(files);
  if (existingLocks > 0) {
    const locks: Record<string, unknown> = {};
    for (let i = 0; i < existingLocks; i++) locks[`old/L${i}.mcam`] = { user: 'someone', timestamp: new Date().toISOString(), message: 'held before the run' };
    await mkdir(join(root, '.pdm'), { recursive: true });
    await writeFile(join(root, '.pdm', 'locks.json'), JSON.stringify(locks, null, 2));
  }
  const server = await spawnServer(['--repo', root], env);
  const url = `${server.url}/api/files/checkout`;
  const { latencies, errors, elapsed } = await closedLoop(concurrency, seconds, names.length, (i) => postJson(url, { filename: names[i]!, user: 'bench' }));
  await server.stop();
  if (errors) console.warn(`${name}: ${errors} non-200 answers`);
  const s = summarize(latencies);
  return { name, ok: s.n, seconds: elapsed, perSecond: s.n / elapsed, p50: s.p50, p99: s.p99 };
}

export async function lockThroughput(seconds = 4): Promise<ThroughputRow[]> {
  const rows: ThroughputRow[] = [];
  rows.push(await measure('group commit, empty store', {}, 0, seconds));
  rows.push(await measure('one lock hold per request, empty store', { PDM_GROUP_COMMIT: 'off' }, 0, seconds));
  rows.push(await measure('group commit, 10,000 existing locks', {}, 10_000, seconds));
  rows.push(await measure('one lock hold per request, 10,000 existing locks', { PDM_GROUP_COMMIT: 'off' }, 10_000, seconds));
  return rows;
}

export function printThroughput(rows: ThroughputRow[]): string {
  const lines = ['| configuration | check-outs | check-outs/s | p50 ms | p99 ms |', '|---|---:|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.name} | ${r.ok} | ${fmt(r.perSecond, 0)} | ${fmt(r.p50)} | ${fmt(r.p99)} |`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await lockThroughput(Number(process.env.BENCH_SECONDS ?? 4));
  console.log(printThroughput(rows));
}
