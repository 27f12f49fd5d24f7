// A hand-off's latency: from the holder's check-in request to the waiter's socket getting
// `lock:acquired` with `handoff: true`, beside a plain check-out's (request to another socket's
// `lock:acquired`) in the same run, on the compiled server as its own process. Sequential, one
// file per round, so each figure is one change's whole path (HTTP, group commit, fsyncs, the
// commit thread, the broadcast).
// Run: node --import tsx bench/handoff.ts   (BENCH_HANDOFF_ROUNDS=200)
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { io } from 'socket.io-client';
import type { LockAcquiredPayload } from '../shared/protocol.js';
import { fmt, postJson, spawnServer, summarize, tempVault } from './support.js';

export interface HandoffRow {
  what: string;
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export async function handoffLatency(rounds: number): Promise<HandoffRow[]> {
  const { root, names } = await tempVault(rounds);
  const server = await spawnServer(['--repo', root]);
  const bob = io(server.url, { auth: { user: 'bob' }, transports: ['websocket'] });
  const waiting = new Map<string, (at: number) => void>();
  bob.on('lock:acquired', (p: LockAcquiredPayload) => waiting.get(p.filename)?.(performance.now()));
  bob.on('batch', (b: { events: Array<{ event: string; data: LockAcquiredPayload }> }) => {
    for (const e of b.events) if (e.event === 'lock:acquired') waiting.get(e.data.filename)?.(performance.now());
  });
  await new Promise<void>((r) => bob.once('snapshot', () => r()));
  const seen = (name: string) => new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no lock:acquired for ${name}`)), 10_000);
    waiting.set(name, (at) => {
      clearTimeout(t);
      waiting.delete(name);
      resolve(at);
    });
  });
  const plain: number[] = [];
  const handoff: number[] = [];
  try {
    for (const name of names) {
      // A plain check-out, seen by bob's socket.
      let arrived = seen(name);
      let t0 = performance.now();
      if ((await postJson(`${server.url}/api/files/checkout`, { filename: name, user: 'alice' })) !== 200) throw new Error('checkout failed');
      plain.push((await arrived) - t0);
      if ((await postJson(`${server.url}/api/files/wait`, { filename: name, user: 'bob' })) !== 200) throw new Error('wait failed');
      // The hand-off: alice checks in, bob's socket learns the file is his.
      arrived = seen(name);
      t0 = performance.now();
      if ((await postJson(`${server.url}/api/files/checkin`, { filename: name, user: 'alice' })) !== 200) throw new Error('checkin failed');
      handoff.push((await arrived) - t0);
    }
  } finally {
    bob.close();
    await server.stop();
    await rm(dirname(root), { recursive: true, force: true });
  }
  const row = (what: string, xs: number[]): HandoffRow => {
    const s = summarize(xs);
    return { what, n: s.n, p50: s.p50, p99: s.p99, max: s.max };
  };
  return [row('check-out: request to another socket\'s lock:acquired', plain), row('hand-off: check-in request to the waiter\'s lock:acquired (handoff)', handoff)];
}

export function printHandoff(rows: HandoffRow[]): string {
  const lines = ['| path | n | p50 ms | p99 ms | max ms |', '|---|---:|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.what} | ${r.n} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.max)} |`);
  const [a, b] = rows;
  if (a && b) lines.push('', `Hand-off over check-out (p50): ${fmt(b.p50 / a.p50, 2)}x`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(printHandoff(await handoffLatency(Number(process.env.BENCH_HANDOFF_ROUNDS ?? 200))));
}
