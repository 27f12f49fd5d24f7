// What bounds check-out throughput: the same server, the same 50-connection generator, answering
// `GET /api/health` (no lock, no disk) and then check-outs. With BENCH_CPU_PROF=DIR the server runs
// under `node --cpu-prof` and writes its profile to DIR on exit (summarise it with
// `node bench/profile-summary.mjs DIR/<file>.cpuprofile`).
// Run: node --import tsx bench/http-floor.ts
import http from 'node:http';
import { closedLoop, fmt, postJson, spawnServer, summarize, tempVault } from './support.js';

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const get = (url: string) =>
  new Promise<number>((resolve, reject) =>
    http.get(url, { agent }, (r) => {
      r.resume();
      r.on('end', () => resolve(r.statusCode!));
    }).on('error', reject),
  );

const prof = process.env.BENCH_CPU_PROF;
const { root, names } = await tempVault(20_000);
const server = await spawnServer(['--repo', root], {}, prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []);
const runs: Array<[string, (i: number) => Promise<number>]> = [
  ['GET /api/health', () => get(`${server.url}/api/health`)],
  ['POST /api/files/checkout', (i) => postJson(`${server.url}/api/files/checkout`, { filename: names[i]!, user: 'bench' })],
];
console.log('| request | per second | p50 ms | p99 ms |\n|---|---:|---:|---:|');
for (const [label, fn] of runs) {
  const { latencies, elapsed } = await closedLoop(50, 4, names.length, fn);
  const s = summarize(latencies);
  console.log(`| ${label} | ${fmt(s.n / elapsed, 0)} | ${fmt(s.p50)} | ${fmt(s.p99)} |`);
}
await server.stop();
process.exit(0);
