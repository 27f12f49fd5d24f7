import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { closedLoop, fmt, postJson, spawnServer, summarize, tempVault } from './support.js';
import { WRK, wrkCheckouts } from './wrk.js';

// Run: node --import tsx bench/lock-throughput.ts   (BENCH_SECONDS, BENCH_GENERATOR=wrk|node,
// BENCH_THROUGHPUT_BASELINE_BIN=another checkout's bin/pdm-live.js)

export interface ThroughputRow {
  name: string;
  generator: 'wrk' | 'node';
  ok: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** After the last answer: how long the server's stop waited for the version thread to catch up. */
  drainMs: number;
}

const SETTLE_MS = 3000;
const WARMUP_S = 1;

/**
 * Check-outs per second at `concurrency` HTTP connections, each on its own files, durable writes,
 * for `seconds`. The server first settles (its start-up background walk of the vault) and gets a
 * second of unmeasured load (JIT warm-up) on other files.
 */
export async function measure(name: string, env: Record<string, string>, existingLocks: number, seconds: number, generator: 'wrk' | 'node', bin?: string, concurrency = 50): Promise<ThroughputRow> {
  const files = 40_000;
  const { root, names } = await tempVault(files);
  if (existingLocks > 0) {
    const locks: Record<string, unknown> = {};
    for (let i = 0; i < existingLocks; i++) locks[`old/L${i}.mcam`] = { user: 'someone', timestamp: new Date().toISOString(), message: 'held before the run' };
    await mkdir(join(root, '.pdm'), { recursive: true });
    await writeFile(join(root, '.pdm', 'locks.json'), JSON.stringify(locks, null, 2));
  }
  const server = await spawnServer(['--repo', root], env, [], bin);
  const url = `${server.url}/api/files/checkout`;
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const warm = names.slice(0, 8000);
  const measured = names.slice(8000);
  let row: Omit<ThroughputRow, 'drainMs'>;
  if (generator === 'wrk') {
    await wrkCheckouts(server.url, warm, 0, concurrency, WARMUP_S);
    const r = await wrkCheckouts(server.url, measured, 0, concurrency, seconds);
    if (r.failed) console.warn(`${name}: ${r.failed} failed answers`);
    row = { name, generator, ok: r.ok, seconds: r.seconds, perSecond: r.perSecond, p50: r.p50, p99: r.p99 };
  } else {
    await closedLoop(concurrency, WARMUP_S, warm.length, (i) => postJson(url, { filename: warm[i]!, user: 'bench' }));
    const { latencies, errors, elapsed } = await closedLoop(concurrency, seconds, measured.length, (i) => postJson(url, { filename: measured[i]!, user: 'bench' }));
    if (errors) console.warn(`${name}: ${errors} non-200 answers`);
    const s = summarize(latencies);
    row = { name, generator, ok: s.n, seconds: elapsed, perSecond: s.n / elapsed, p50: s.p50, p99: s.p99 };
  }
  const t = performance.now();
  await server.stop();
  return { ...row, drainMs: performance.now() - t };
}

/**
 * Every configuration with wrk when it is installed, and with the Node generator. With
 * `baselineBin` (another checkout's bin/pdm-live.js) its group commit is measured too, in the same run.
 */
export async function lockThroughput(seconds = 4, generators: Array<'wrk' | 'node'> = WRK ? ['wrk', 'node'] : ['node'], baselineBin?: string): Promise<ThroughputRow[]> {
  if (!WRK) console.warn('wrk is not installed (apt-get install -y wrk): measuring with the Node generator only');
  const rows: ThroughputRow[] = [];
  for (const g of generators) {
    rows.push(await measure('group commit, empty store', {}, 0, seconds, g));
    rows.push(await measure('one lock hold per request, empty store', { PDM_GROUP_COMMIT: 'off' }, 0, seconds, g));
    rows.push(await measure('group commit, 10,000 existing locks', {}, 10_000, seconds, g));
    // Names looked up as a case-insensitive share needs (NTFS, SMB): the vault index's key map.
    rows.push(await measure('group commit, names folded as on NTFS/SMB, 10,000 existing locks', { PDM_DEBUG_FOLD_NAMES: '1' }, 10_000, seconds, g));
    rows.push(await measure('one lock hold per request, 10,000 existing locks', { PDM_GROUP_COMMIT: 'off' }, 10_000, seconds, g));
    if (baselineBin) {
      rows.push(await measure('baseline build, group commit, empty store', {}, 0, seconds, g, baselineBin));
      rows.push(await measure('baseline build, group commit, 10,000 existing locks', {}, 10_000, seconds, g, baselineBin));
    }
  }
  return rows;
}

export function printThroughput(rows: ThroughputRow[]): string {
  const lines = ['| generator | configuration | check-outs | check-outs/s | p50 ms | p99 ms | versions done after ms |', '|---|---|---:|---:|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.generator} | ${r.name} | ${r.ok} | ${fmt(r.perSecond, 0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.drainMs, 0)} |`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const gens = process.env.BENCH_GENERATOR ? [process.env.BENCH_GENERATOR as 'wrk' | 'node'] : undefined;
  const rows = await lockThroughput(Number(process.env.BENCH_SECONDS ?? 4), gens, process.env.BENCH_THROUGHPUT_BASELINE_BIN);
  console.log(printThroughput(rows));
}
