// A busy board, as the soak runs it: 300 WebSocket clients (six of them leave and come back every
// 100 ms) while check-outs and check-ins arrive at 100/s. Per build: the server's CPU (share of one
// core, from /proc), its event-loop delay in 1-s windows (median and worst p99), and the HTTP
// answers' latency. BENCH_BUSY_BASELINE_BIN (another checkout's bin/pdm-live.js) is measured in
// the same run, the two builds taking turns (BENCH_BUSY_ROUNDS each, default 2).
// Run: node --import tsx bench/busy-board.ts
import { readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { BIN, fmt, percentile, postJson, spawnServer, summarize, tempVault } from './support.js';

export interface BusyRow {
  build: string;
  ops: number;
  cpuPct: number;
  loopP99Median: number;
  loopP99Worst: number;
  opP50: number;
  opP99: number;
}

const SOCKETS = 300;
const OPS_PER_TICK = 10;
const CHURN_PER_TICK = 6;

/** utime + stime of a process, in ms (clock ticks are 10 ms on Linux). */
async function cpuMs(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function measure(build: string, bin: string, seconds: number): Promise<BusyRow> {
  const vault = await tempVault(200, 'busy');
  const server = await spawnServer(['--repo', vault.root], {}, [], bin);
  const open = (i: number): Socket => io(server.url, { transports: ['websocket'], auth: { user: `s${i}` }, reconnection: false, forceNew: true });
  const sockets = Array.from({ length: SOCKETS }, (_, i) => open(i));
  try {
    await Promise.all(sockets.map((s) => new Promise((r) => (s.connected ? r(null) : s.once('connect', () => r(null))))));
    const metrics = async () => ((await (await fetch(`${server.url}/api/metrics`)).json()) as { event_loop_delay_ms: { p99: number } }).event_loop_delay_ms;
    await metrics(); // starts the first window
    const held = new Set<string>();
    const latencies: number[] = [];
    const loopP99: number[] = [];
    let ops = 0;
    const cpu0 = await cpuMs(server.proc.pid!);
    const t0 = Date.now();
    let nextSample = t0 + 1000;
    while (Date.now() - t0 < seconds * 1000) {
      const tick = Date.now();
      const batch = Array.from({ length: OPS_PER_TICK }, () => {
        const f = vault.names[Math.floor(Math.random() * vault.names.length)]!;
        const op = held.has(f) ? 'checkin' : 'checkout';
        const s = performance.now();
        return postJson(`${server.url}/api/files/${op}`, { filename: f, user: 'busy' }).then((status) => {
          latencies.push(performance.now() - s);
          if (status === 200 && op === 'checkout') held.add(f);
          else if (status === 200) held.delete(f);
          ops++;
        });
      });
      for (let k = 0; k < CHURN_PER_TICK; k++) {
        const i = Math.floor(Math.random() * SOCKETS);
        sockets[i]!.close();
        sockets[i] = open(i);
      }
      await Promise.all(batch);
      if (Date.now() >= nextSample) {
        loopP99.push((await metrics()).p99);
        nextSample += 1000;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - tick))));
    }
    const elapsed = Date.now() - t0;
    const cpu = (await cpuMs(server.proc.pid!)) - cpu0;
    const sorted = [...loopP99].sort((a, b) => a - b);
    const lat = summarize(latencies);
    return { build, ops, cpuPct: (100 * cpu) / elapsed, loopP99Median: percentile(sorted, 50), loopP99Worst: sorted.at(-1) ?? NaN, opP50: lat.p50, opP99: lat.p99 };
  } finally {
    for (const s of sockets) s.close();
    await server.stop();
    await rm(dirname(vault.root), { recursive: true, force: true });
  }
}

/** Each build `rounds` times, taking turns, so that drift on a noisy machine hits both alike. */
export async function busyBoard(seconds = 20, rounds = 2, baselineBin?: string): Promise<BusyRow[]> {
  const rows: BusyRow[] = [];
  for (let r = 0; r < rounds; r++) {
    rows.push(await measure('this checkout', BIN, seconds));
    if (baselineBin) rows.push(await measure('baseline build', baselineBin, seconds));
  }
  return rows;
}

const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);

export function printBusy(rows: BusyRow[]): string {
  const lines = ['| build | ops | server CPU % of a core | event loop p99, 1-s windows: median / worst ms | answer p50 / p99 ms |', '|---|---:|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.build} | ${r.ops} | ${fmt(r.cpuPct, 0)} | ${fmt(r.loopP99Median)} / ${fmt(r.loopP99Worst)} | ${fmt(r.opP50)} / ${fmt(r.opP99)} |`);
  const mine = rows.filter((r) => r.build === 'this checkout');
  const base = rows.filter((r) => r.build === 'baseline build');
  if (base.length > 0) {
    const ratio = (f: (r: BusyRow) => number) => fmt(median(mine.map(f)) / median(base.map(f)), 2);
    lines.push('', `This checkout over the baseline (medians of the rounds): CPU ${ratio((r) => r.cpuPct)}x, event-loop p99 ${ratio((r) => r.loopP99Median)}x, answer p99 ${ratio((r) => r.opP99)}x`);
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(printBusy(await busyBoard(Number(process.env.BENCH_SECONDS ?? 20), Number(process.env.BENCH_BUSY_ROUNDS ?? 2), process.env.BENCH_BUSY_BASELINE_BIN)));
}
