// --protect's cost. (1) A burst of 1,000 check-outs and then their 1,000 check-ins at 50
// connections, with --protect and without, alternating, several rounds: check-outs/s, check-ins/s,
// and how long after the last check-in's answer every file was read-only again. (2) A vault of
// N files in N/100 folders started with --protect: time to served (as vault-scale), time until
// every file was read-only (the start-up reconciliation), and the same on a second start (all
// protected already).
// Run: node --import tsx bench/protect.ts   (BENCH_PROTECT_FILES=100000, BENCH_PROTECT_ROUNDS=3)
import { mkdir, mkdtemp, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedLoop, fmt, postJson, spawnServer, tempVault } from './support.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const readOnly = async (abs: string) => ((await stat(abs)).mode & 0o222) === 0;

/** Polls until every file is read-only (or writable); ms it took, bounded by `maxMs`. */
async function until(files: string[], wanted: boolean, maxMs: number): Promise<number> {
  const t0 = performance.now();
  let left = files;
  while (left.length > 0 && performance.now() - t0 < maxMs) {
    const states = await Promise.all(left.map(readOnly));
    left = left.filter((_, i) => states[i] !== wanted);
    if (left.length > 0) await new Promise((r) => setTimeout(r, 5));
  }
  if (left.length > 0) throw new Error(`${left.length} files not ${wanted ? 'read-only' : 'writable'} after ${maxMs} ms`);
  return performance.now() - t0;
}

export interface BurstRow {
  protect: boolean;
  checkoutsPerS: number;
  checkinsPerS: number;
  lagMs: number;
}

async function burst(protect: boolean): Promise<BurstRow> {
  const { root, names } = await tempVault(1000);
  const server = await spawnServer(['--repo', root, ...(protect ? ['--protect'] : [])]);
  const abs = names.map((n) => join(root, n));
  try {
    if (protect) await until(abs, true, 30_000);
    else await new Promise((r) => setTimeout(r, 1000));
    const url = server.url;
    const out = await closedLoop(50, 60, names.length, (i) => postJson(`${url}/api/files/checkout`, { filename: names[i]!, user: 'bench' }));
    const inn = await closedLoop(50, 60, names.length, (i) => postJson(`${url}/api/files/checkin`, { filename: names[i]!, user: 'bench' }));
    if (out.errors || inn.errors) throw new Error(`${out.errors + inn.errors} failed answers`);
    const lagMs = protect ? await until(abs, true, 30_000) : 0;
    return { protect, checkoutsPerS: names.length / out.elapsed, checkinsPerS: names.length / inn.elapsed, lagMs };
  } finally {
    await server.stop();
    await rm(join(root, '..'), { recursive: true, force: true });
  }
}

export async function protectBursts(rounds: number): Promise<BurstRow[]> {
  const rows: BurstRow[] = [];
  for (let r = 0; r < rounds; r++) for (const p of [false, true]) rows.push(await burst(p));
  return rows;
}

export function printBursts(rows: BurstRow[]): string {
  const pick = (p: boolean) => rows.filter((r) => r.protect === p);
  const lines = ['| --protect | rounds | check-outs/s (median) | check-ins/s (median) | all read-only again after the last check-in, ms (median) |', '|---|---:|---:|---:|---:|'];
  for (const p of [false, true]) {
    const rs = pick(p);
    lines.push(`| ${p ? 'on' : 'off'} | ${rs.length} | ${fmt(median(rs.map((r) => r.checkoutsPerS)), 0)} | ${fmt(median(rs.map((r) => r.checkinsPerS)), 0)} | ${p ? fmt(median(rs.map((r) => r.lagMs)), 0) : '-'} |`);
  }
  const ratio = median(pick(true).map((r) => r.checkoutsPerS)) / median(pick(false).map((r) => r.checkoutsPerS));
  const ratioIn = median(pick(true).map((r) => r.checkinsPerS)) / median(pick(false).map((r) => r.checkinsPerS));
  lines.push('', `on / off: check-outs ${fmt(ratio, 2)}x, check-ins ${fmt(ratioIn, 2)}x. Each round: ${rows.map((r) => `${r.protect ? 'on' : 'off'} ${fmt(r.checkoutsPerS, 0)}/${fmt(r.checkinsPerS, 0)}`).join(', ')}.`);
  return lines.join('\n');
}

export interface ScaleStart {
  start: string;
  servedMs: number;
  protectedMs: number;
}

/** N files; the first start protects them all, the second finds them protected. */
export async function protectScale(files: number): Promise<ScaleStart[]> {
  const root = join(await realpath(await mkdtemp(join(tmpdir(), 'pdm-protect-'))), 'vault');
  const names: string[] = [];
  for (let d = 0; d < Math.ceil(files / 100); d++) {
    await mkdir(join(root, `F${String(d).padStart(4, '0')}`), { recursive: true });
    for (let f = 0; f < 100 && names.length < files; f++) names.push(`F${String(d).padStart(4, '0')}/P${String(names.length).padStart(6, '0')}.mcam`);
  }
  for (let i = 0; i < names.length; i += 1000) await Promise.all(names.slice(i, i + 1000).map((n) => writeFile(join(root, n), 'G0 X0 Y0\n', { mode: 0o664 })));
  // Every 100th file: enough to tell when the walk-ordered reconciliation is through.
  const sample = names.filter((_, i) => i % 100 === 0 || i === names.length - 1).map((n) => join(root, n));
  const out: ScaleStart[] = [];
  try {
    for (const start of ['without --protect (baseline)', 'first start (protects every file)', 'second start (all protected already)']) {
      const protect = !start.startsWith('without');
      const t0 = performance.now();
      const server = await spawnServer(['--repo', root, ...(protect ? ['--protect'] : [])]);
      const servedMs = performance.now() - t0;
      const protectedMs = protect ? (await until(sample, true, 120_000)) + servedMs : NaN;
      out.push({ start, servedMs, protectedMs });
      await server.stop();
    }
  } finally {
    await rm(join(root, '..'), { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
  return out;
}

export function printScale(rows: ScaleStart[], files: number): string {
  const lines = [`| ${files} files, --protect | served, ms | every file read-only, ms from start |`, '|---|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.start} | ${fmt(r.servedMs, 0)} | ${fmt(r.protectedMs, 0)} |`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rounds = Number(process.env.BENCH_PROTECT_ROUNDS ?? 3);
  if (rounds > 0) console.log(printBursts(await protectBursts(rounds)));
  const files = Number(process.env.BENCH_PROTECT_FILES ?? 100_000);
  console.log('');
  console.log(printScale(await protectScale(files), files));
  process.exit(0);
}
