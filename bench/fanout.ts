import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { writeFile, mkdir } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, postJson, rssBytes, spawnServer, summarize, tempVault, type BenchServer } from './support.js';

const CLIENTS = fileURLToPath(new URL('./fanout-clients.ts', import.meta.url));
const BARE = fileURLToPath(new URL('./bare-server.ts', import.meta.url));
const now = () => performance.timeOrigin + performance.now();
const TRIAL_GAP_MS = Number(process.env.BENCH_TRIAL_GAP_MS ?? 400);

function ask<T>(child: ChildProcess, type: string, reply: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: any) => {
      if (m.type === reply) {
        child.off('message', on);
        resolve(m);
      }
    };
    child.on('message', on);
    child.send({ type });
  });
}

async function startClients(url: string, n: number, event: string): Promise<ChildProcess> {
  const child = fork(CLIENTS, [url, String(n), event], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('clients did not connect')), 120_000);
    child.on('message', (m: any) => {
      if (m.type === 'ready') {
        clearTimeout(t);
        resolve();
      }
    });
  });
  return child;
}

export interface TrialRun {
  /** Arrival − trigger time, every client of every trial. */
  all: number[];
  /** Each trial's own p99: their median is not moved by one slow trial (one slow fsync). */
  trialP99: number[];
  /** Trigger → its HTTP answer (for PDM: the durable write, the broadcast and the activity append). */
  answered: number[];
}

/** Runs `trials` triggers; each trial's latency per client = arrival − trigger time. */
async function trials(child: ChildProcess, n: number, count: number, trigger: (i: number) => Promise<unknown>): Promise<TrialRun> {
  const run: TrialRun = { all: [], trialP99: [], answered: [] };
  // Dirty pages left by whatever ran before would otherwise be flushed inside our fsyncs.
  execFileSync('sync');
  for (let i = 0; i < count; i++) {
    const t0 = now();
    await trigger(i);
    run.answered.push(now() - t0);
    const deadline = Date.now() + 5000;
    let arrivals: number[] = [];
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      const got = await ask<{ arrivals: number[] }>(child, 'collect', 'arrivals');
      arrivals = arrivals.concat(got.arrivals);
      if (arrivals.length >= n) break;
    }
    const lat = arrivals.map((a) => a - t0);
    run.all.push(...lat);
    run.trialP99.push(summarize(lat).p99);
    // One change at a time: a PDM change is two broadcasts (the lock event, then 100 ms later its
    // activity entry), and the next trial must not queue behind the previous one's second.
    await new Promise((r) => setTimeout(r, TRIAL_GAP_MS));
  }
  return run;
}

function spawnBare(): Promise<BenchServer> {
  const proc = spawn(process.execPath, ['--import', 'tsx', BARE], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => {
    proc.stdout.on('data', (d) => {
      const m = /listening on (http:\/\/\S+)/.exec(String(d));
      if (m) resolve({ url: m[1]!, proc, stop: () => {
        proc.kill('SIGTERM');
        return Promise.resolve();
      } });
    });
  });
}

function get(url: string): Promise<void> {
  return new Promise((resolve, reject) => http.get(url, (res) => (res.resume(), res.on('end', resolve))).on('error', reject));
}

type Summary = ReturnType<typeof summarize>;

export interface FanoutRow {
  clients: number;
  bare: Summary;
  pdm: Summary;
  /** Median over the trials of each trial's p99. */
  bareTrialP99: number;
  pdmTrialP99: number;
  /** How long the check-out took to answer (durable write included). */
  pdmAnswered: Summary;
  rssPerSocketKb: number;
  /** The same measured on the bare Socket.IO server (its own per-socket cost). */
  bareRssPerSocketKb: number;
  /** Per socket of a second group of N connected after the trials (the heap has grown by then). */
  nextRssPerSocketKb: number;
  bareNextRssPerSocketKb: number;
}

export async function fanout(sizes = [1000], count = 30): Promise<FanoutRow[]> {
  const rows: FanoutRow[] = [];
  for (const n of sizes) {
    const bare = await spawnBare();
    const bareRssBefore = await serverRss(bare);
    let child = await startClients(bare.url, n, 'lock:acquired');
    await new Promise((r) => setTimeout(r, 500));
    const bareRssAfter = await serverRss(bare);
    const bareLat = await trials(child, n, count, () => get(`${bare.url}/emit`));
    const bareNext = await nextGroupRss(bare, n);
    child.kill();
    await bare.stop();

    const { root, names } = await tempVault(count + 10);
    const server = await spawnServer(['--repo', root]);
    const rssBefore = await serverRss(server);
    child = await startClients(server.url, n, 'lock:acquired');
    await new Promise((r) => setTimeout(r, 500));
    const rssAfter = await serverRss(server);
    const pdmLat = await trials(child, n, count, (i) => postJson(`${server.url}/api/files/checkout`, { filename: names[i], user: 'bench' }));
    const pdmNext = await nextGroupRss(server, n);
    child.kill();
    await server.stop();
    rows.push({
      clients: n,
      bare: summarize(bareLat.all),
      pdm: summarize(pdmLat.all),
      bareTrialP99: summarize(bareLat.trialP99).p50,
      pdmTrialP99: summarize(pdmLat.trialP99).p50,
      pdmAnswered: summarize(pdmLat.answered),
      rssPerSocketKb: (rssAfter - rssBefore) / 1024 / n,
      bareRssPerSocketKb: (bareRssAfter - bareRssBefore) / 1024 / n,
      nextRssPerSocketKb: pdmNext,
      bareNextRssPerSocketKb: bareNext,
    });
  }
  return rows;
}

const serverRss = (server: BenchServer) => rssBytes(server.proc.pid!);

/** RSS per socket of N more idle clients, connected to a server that already has N and has worked. */
async function nextGroupRss(server: BenchServer, n: number): Promise<number> {
  const before = await serverRss(server);
  const extra = await startClients(server.url, n, 'lock:acquired');
  await new Promise((r) => setTimeout(r, 500));
  const after = await serverRss(server);
  extra.kill();
  return (after - before) / 1024 / n;
}

/** Hand edit of locks.json → `lock:acquired` at one client; a file dropped in → `file:added`. */
export async function diskToClient(count = 30) {
  const { root } = await tempVault(5);
  const server = await spawnServer(['--repo', root]);
  const locksFile = join(root, '.pdm', 'locks.json');
  let child = await startClients(server.url, 1, 'lock:acquired');
  const edits = await trials(child, 1, count, async (i) => {
    const locks: Record<string, unknown> = {};
    locks[`hand/E${i}.mcam`] = { user: 'editor', timestamp: new Date().toISOString(), message: 'by hand' };
    await writeFile(locksFile, JSON.stringify(locks, null, 2));
  });
  child.kill();
  child = await startClients(server.url, 1, 'file:added');
  await mkdir(join(root, 'drop'), { recursive: true });
  const drops = await trials(child, 1, Math.min(count, 15), (i) => writeFile(join(root, 'drop', `D${i}.mcam`), 'x'.repeat(10_000)));
  child.kill();
  await server.stop();
  return { edit: summarize(edits.all), drop: summarize(drops.all) };
}

export function printFanout(rows: FanoutRow[]): string {
  const lines = [
    '| clients | bare Socket.IO p50 / p99 ms | PDM Live p50 / p99 ms | p99 ratio | median of trial p99s, bare / PDM Live ms (ratio) | PDM check-out answered p50 / max ms | RSS per socket, bare / PDM Live | same, the next N sockets |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.clients} | ${fmt(r.bare.p50)} / ${fmt(r.bare.p99)} | ${fmt(r.pdm.p50)} / ${fmt(r.pdm.p99)} | ${fmt(r.pdm.p99 / r.bare.p99, 2)}x | ` +
        `${fmt(r.bareTrialP99)} / ${fmt(r.pdmTrialP99)} (${fmt(r.pdmTrialP99 / r.bareTrialP99, 2)}x) | ${fmt(r.pdmAnswered.p50)} / ${fmt(r.pdmAnswered.max)} | ` +
        `${fmt(r.bareRssPerSocketKb)} / ${fmt(r.rssPerSocketKb)} KB | ${fmt(r.bareNextRssPerSocketKb)} / ${fmt(r.nextRssPerSocketKb)} KB |`,
    );
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(printFanout(await fanout([Number(process.env.BENCH_CLIENTS ?? 1000)], Number(process.env.BENCH_TRIALS ?? 20))));
  const d = await diskToClient(20);
  console.log(`hand edit → client: p50 ${fmt(d.edit.p50)} ms, p95 ${fmt(d.edit.p95)} ms; file dropped → client: p50 ${fmt(d.drop.p50)} ms, p95 ${fmt(d.drop.p95)} ms`);
}
