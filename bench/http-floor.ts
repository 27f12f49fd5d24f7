// What bounds check-out throughput: the same server, the same 50 connections, answering
// `GET /api/health` (no lock, no disk) and then check-outs; with wrk (when installed) and with the
// Node generator. With BENCH_CPU_PROF=DIR the server runs under `node --cpu-prof` and writes its
// profile to DIR on exit (summarise it with `node --import tsx bench/profile-summary.ts DIR/<file>.cpuprofile`;
// PROF_SKIP_MS / PROF_UNTIL_MS keep only a window of it).
// Run: node --import tsx bench/http-floor.ts
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { closedLoop, fmt, postJson, spawnServer, summarize, tempVault } from './support.js';
import { WRK, wrkCheckouts } from './wrk.js';

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const get = (url: string) =>
  new Promise<number>((resolve, reject) =>
    http.get(url, { agent }, (r) => {
      r.resume();
      r.on('end', () => resolve(r.statusCode!));
    }).on('error', reject),
  );

const prof = process.env.BENCH_CPU_PROF;
const cpuTable: string[] = [];

/** CPU time (user + system, ms) of each thread of a process, by tid, named: main, our workers by their thread names, the rest "V8 and libuv helpers". */
function threadCpu(pid: number): Map<string, { name: string; ms: number }> {
  const out = new Map<string, { name: string; ms: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = tid === String(pid) ? 'main (HTTP, sockets, lock store)' : comm.startsWith('pdm-') ? comm : 'V8 and libuv helpers';
      out.set(tid, { name, ms: (Number(f[11]) + Number(f[12])) * 10 });
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** The machine's CPU counters, or (given earlier ones) the busy and kernel shares since then. */
function machineCpu(): number[];
function machineCpu(since: number[]): { busy: number; system: number };
function machineCpu(since?: number[]) {
  const now = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1, 9).map(Number);
  if (!since) return now;
  const d = now.map((v, i) => v - since[i]!);
  const total = d.reduce((a, b) => a + b, 0);
  return { busy: 1 - (d[3]! + d[4]!) / total, system: (d[2]! + d[5]! + d[6]!) / total };
}
const { root, names } = await tempVault(40_000);
const spawned = performance.now();
const server = await spawnServer(['--repo', root], {}, prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []);
await new Promise((r) => setTimeout(r, 3000)); // the start-up background walk
console.log('| generator | request | per second | p50 ms | p99 ms |\n|---|---|---:|---:|---:|');
if (WRK) {
  const out = await new Promise<string>((resolve, reject) =>
    execFile(WRK!, ['-t1', '-c50', '-d4s', '--latency', `${server.url}/api/health`], (err, stdout) => {
      if (err) reject(new Error(err.message, { cause: err }));
      else resolve(stdout);
    }),
  );
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1];
  const ms = (p: string) => {
    const m = new RegExp(`${p}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    return m ? Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1) : NaN;
  };
  console.log(`| wrk | GET /api/health | ${fmt(Number(rate), 0)} | ${fmt(ms('50'))} | ${fmt(ms('99'))} |`);
  const from = performance.now() - spawned;
  const before = threadCpu(server.proc.pid!);
  const machine = machineCpu();
  const r = await wrkCheckouts(server.url, names.slice(0, 20_000), 0, 50, 4);
  const busy = machineCpu(machine);
  const after = threadCpu(server.proc.pid!);
  console.log(`| wrk | POST /api/files/checkout | ${fmt(r.perSecond, 0)} | ${fmt(r.p50)} | ${fmt(r.p99)} |`);
  cpuTable.push(`During the wrk check-outs (${fmt(r.seconds, 1)} s, ${r.ok} check-outs): the machine's 2 cores ${fmt(busy.busy * 100, 0)}% busy (${fmt(busy.system * 100, 0)}% in the kernel); the server's threads:`, '', '| thread | CPU ms | share of one core | µs per check-out |', '|---|---:|---:|---:|');
  const byName = new Map<string, number>();
  for (const [tid, t] of after) byName.set(t.name, (byName.get(t.name) ?? 0) + t.ms - (before.get(tid)?.ms ?? 0));
  for (const [name, ms] of [...byName].sort((a, b) => b[1] - a[1])) cpuTable.push(`| ${name} | ${fmt(ms, 0)} | ${fmt((ms / 10 / r.seconds), 0)}% | ${fmt((ms * 1000) / r.ok, 0)} |`);
  if (prof) console.error(`profile window of the wrk check-outs: PROF_SKIP_MS=${Math.round(from)} PROF_UNTIL_MS=${Math.round(from + 4000)} (ms after spawn)`);
}
const rest = names.slice(20_000);
const runs: Array<[string, (i: number) => Promise<number>]> = [
  ['GET /api/health', () => get(`${server.url}/api/health`)],
  ['POST /api/files/checkout', (i) => postJson(`${server.url}/api/files/checkout`, { filename: rest[i]!, user: 'bench' })],
];
for (const [label, fn] of runs) {
  const { latencies, elapsed } = await closedLoop(50, 4, rest.length, fn);
  const s = summarize(latencies);
  console.log(`| node | ${label} | ${fmt(s.n / elapsed, 0)} | ${fmt(s.p50)} | ${fmt(s.p99)} |`);
}
await server.stop();
if (cpuTable.length > 0) console.log('\n' + cpuTable.join('\n'));
process.exit(0);
