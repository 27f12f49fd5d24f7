// The times the tests used to bound with a wall clock (a busy machine made them red): how long a
// stop takes (SIGTERM, idle and with a page plus a spare connection open), a commit right after a
// kill -9 that left the lock folder behind (stale period 2 s), a change made on server B reaching
// a socket on server A (two processes, one vault), and /api/health's answer while 1,000 files are
// dropped into the vault. Each on the compiled server as its own process.
// Run: node --import tsx bench/stop-and-recover.ts   (BENCH_STOP_ROUNDS=10)
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { io } from 'socket.io-client';
import { fmt, getJson, postJson, spawnServer, summarize, tempVault, type BenchServer } from './support.js';

export interface StopRow {
  what: string;
  n: number;
  p50: number;
  p99: number;
  max: number;
  /** What the tests check instead (the behaviour), and the bound they used to assert. */
  bound: string;
}

const stopped = (s: BenchServer) => new Promise<number>((resolve) => {
  const t0 = performance.now();
  s.proc.once('exit', () => resolve(performance.now() - t0));
  s.proc.kill('SIGTERM');
});

const killed = (s: BenchServer) => new Promise<void>((resolve) => {
  s.proc.once('exit', () => resolve());
  s.proc.kill('SIGKILL');
});

export async function stopAndRecover(rounds: number): Promise<StopRow[]> {
  const { root, names } = await tempVault(4);
  const idle: number[] = [];
  const busy: number[] = [];
  const afterKill: number[] = [];
  const crossServer: number[] = [];
  const health: number[] = [];
  for (let i = 0; i < rounds; i++) {
    idle.push(await stopped(await spawnServer(['--repo', root])));

    const s = await spawnServer(['--repo', root]);
    const socket = io(s.url, { transports: ['websocket'], reconnection: false });
    await new Promise<void>((r) => socket.once('snapshot', () => r()));
    const { port } = new URL(s.url);
    const spare = connect(Number(port), '127.0.0.1');
    spare.on('error', () => undefined);
    await new Promise<void>((r) => spare.once('connect', () => r()));
    busy.push(await stopped(s));
    socket.close();
    spare.destroy();

    const k = await spawnServer(['--repo', root, '--stale', '2000']);
    await postJson(`${k.url}/api/files/checkout`, { filename: names[0], user: 'a' });
    await killed(k);
    await mkdir(join(root, '.pdm', 'locks.json.lock'), { recursive: true }); // as a kill mid-commit leaves it
    const again = await spawnServer(['--repo', root, '--stale', '2000']);
    const t0 = performance.now();
    await postJson(`${again.url}/api/files/checkin`, { filename: names[0], user: 'a' });
    afterKill.push(performance.now() - t0);
    await again.stop();
  }

  const a = await spawnServer(['--repo', root]);
  const b = await spawnServer(['--repo', root]);
  const onA = io(a.url, { transports: ['websocket'] });
  await new Promise<void>((r) => onA.once('snapshot', () => r()));
  for (let i = 0; i < rounds * 5; i++) {
    const name = names[1 + (i % 3)]!;
    const seen = new Promise<number>((resolve) => onA.once('lock:acquired', () => resolve(performance.now())));
    const t0 = performance.now();
    await postJson(`${b.url}/api/files/checkout`, { filename: name, user: 'bob' });
    crossServer.push((await seen) - t0);
    await postJson(`${b.url}/api/files/checkin`, { filename: name, user: 'bob' });
    await new Promise<void>((r) => onA.once('lock:released', () => r()));
  }
  onA.close();
  await b.stop();

  for (let i = 0; i < rounds; i++) {
    const folder = join(root, `drop${i}`);
    await mkdir(folder, { recursive: true });
    const writes = Array.from({ length: 1000 }, (_, f) => writeFile(join(folder, `F${f}.mcam`), 'x'));
    const t0 = performance.now();
    await getJson(`${a.url}/api/health`);
    health.push(performance.now() - t0);
    await Promise.all(writes);
  }
  await a.stop();
  await rm(dirname(root), { recursive: true, force: true });

  const row = (what: string, samples: number[], bound: string): StopRow => ({ what, ...pick(summarize(samples)), n: samples.length, bound });
  return [
    row('SIGTERM, nothing in flight → exit 0', idle, 'exit 0, no lock left (was < 2 s)'),
    row('SIGTERM with a socket and a spare connection → exit 0', busy, 'exit 0 (was < 2 s)'),
    row('first check-in after kill -9 with locks.json.lock left (stale 2 s)', afterKill, '200 (was < 8 s)'),
    row('check-out on B → lock:acquired on a socket of A', crossServer, 'arrives, source disk (was < 1 s)'),
    row('GET /api/health while 1,000 files are dropped in', health, '200 (was < 1 s)'),
  ];
}

function pick(s: ReturnType<typeof summarize>) {
  return { p50: s.p50, p99: s.p99, max: s.max };
}

export function printStop(rows: StopRow[]): string {
  return [
    '| what | n | p50 ms | p99 ms | max ms | the test checks |',
    '|---|---:|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.what} | ${r.n} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.max)} | ${r.bound} |`),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(printStop(await stopAndRecover(Number(process.env.BENCH_STOP_ROUNDS ?? 10))));
}
