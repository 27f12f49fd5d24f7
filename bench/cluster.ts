// Several nodes on one vault (CONTRACT §20): a change on node A to 1,000 sockets spread over three
// nodes (A, B, C), p50/p99, with --cluster (a real redis-server) beside the share alone, both with
// --poll 5000, in one run; and check-outs/s of one node with --cluster beside without.
// Run: node --import tsx bench/cluster.ts   (BENCH_CLUSTER_SOCKETS, default 1000; BENCH_CLUSTER_TRIALS, default 20;
// BENCH_SECONDS, default 5; BENCH_ROUNDS, default 3)
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startRedis } from '../test/support/redis.js';
import { measure } from './lock-throughput.js';
import { fmt, postJson, spawnServer, summarize, tempVault, type BenchServer } from './support.js';
import { WRK } from './wrk.js';

const CLIENTS = fileURLToPath(new URL('./fanout-clients.ts', import.meta.url));
const sockets = Number(process.env.BENCH_CLUSTER_SOCKETS ?? 1000);
const trialCount = Number(process.env.BENCH_CLUSTER_TRIALS ?? 20);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const now = () => performance.timeOrigin + performance.now();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function clients(url: string, n: number): Promise<ChildProcess> {
  const child = fork(CLIENTS, [url, String(n), 'lock:acquired'], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('clients did not connect')), 120_000);
    child.on('message', (m: { type: string }) => {
      if (m.type === 'ready') {
        clearTimeout(t);
        resolve(child);
      }
    });
  });
}

const collect = (child: ChildProcess) =>
  new Promise<number[]>((resolve) => {
    const on = (m: { type: string; arrivals?: number[] }) => {
      if (m.type !== 'arrivals') return;
      child.off('message', on);
      resolve(m.arrivals ?? []);
    };
    child.on('message', on);
    child.send({ type: 'collect' });
  });

/** One setup: three nodes, the sockets spread over them, `trialCount` check-outs on A; every arrival − trigger. */
async function spread(cluster: string | null): Promise<{ all: number[]; missing: number }> {
  const { root, names } = await tempVault(200);
  const args = ['--repo', root, '--poll', '5000', ...(cluster ? ['--cluster', cluster] : [])];
  const nodes: BenchServer[] = [];
  for (let i = 0; i < 3; i++) nodes.push(await spawnServer(args));
  const per = [Math.ceil(sockets / 3), Math.ceil(sockets / 3), sockets - 2 * Math.ceil(sockets / 3)];
  const children = await Promise.all(nodes.map((n, i) => clients(n.url, per[i]!)));
  await new Promise((r) => setTimeout(r, 2000));
  const all: number[] = [];
  let missing = 0;
  for (let i = 0; i < trialCount; i++) {
    const t0 = now();
    await postJson(`${nodes[0]!.url}/api/files/checkout`, { filename: names[i]!, user: 'bench' });
    let got: number[] = [];
    const deadline = Date.now() + 8000;
    while (got.length < sockets && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      for (const c of children) got = got.concat(await collect(c));
    }
    missing += Math.max(0, sockets - got.length);
    all.push(...got.map((a) => a - t0));
    await new Promise((r) => setTimeout(r, 300));
  }
  for (const c of children) c.send({ type: 'exit' });
  for (const n of nodes) await n.stop();
  return { all, missing };
}

const redis = await startRedis();
console.log(`| ${sockets} sockets over three nodes, a check-out on A (--poll 5000) | trials | p50 ms | p99 ms | max ms | not arrived |\n|---|---:|---:|---:|---:|---:|`);
for (const [name, url] of [['--cluster (Redis)', redis.url], ['the share alone', null]] as const) {
  const r = await spread(url);
  const s = summarize(r.all);
  console.log(`| ${name} | ${trialCount} | ${fmt(s.p50)} | ${fmt(s.p99)} | ${fmt(s.max)} | ${r.missing} |`);
}

const generator = WRK ? 'wrk' : 'node';
const on: number[] = [];
const off: number[] = [];
console.log('\n| round | --cluster, check-outs/s (p50, p99 ms) | without, check-outs/s (p50, p99 ms) |\n|---|---:|---:|');
for (let round = 1; round <= rounds; round++) {
  const a = await measure('cluster', { PDM_CLUSTER: redis.url }, 0, seconds, generator);
  const b = await measure('none', {}, 0, seconds, generator);
  on.push(a.perSecond);
  off.push(b.perSecond);
  console.log(`| ${round} | ${a.perSecond.toFixed(0)} (${a.p50.toFixed(1)}, ${a.p99.toFixed(1)}) | ${b.perSecond.toFixed(0)} (${b.p50.toFixed(1)}, ${b.p99.toFixed(1)}) |`);
}
console.log(`| median | **${median(on).toFixed(0)}** | **${median(off).toFixed(0)}** (ratio ${(median(on) / median(off)).toFixed(2)}x) |`);
await redis.stop();
process.exit(0);
