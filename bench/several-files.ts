// Several files per request beside one per request, in one run on the compiled server: each of
// 10 connections owns 50 files and checks them out and in again for BENCH_SECONDS (default 4),
// either as two requests of 50 names (`filenames`) or as 100 requests of one name. Files per
// second counts every file checked out or in.
// Run: node --import tsx bench/several-files.ts
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fmt, postJson, spawnServer, summarize, tempVault } from './support.js';

export interface SeveralRow {
  mode: string;
  requests: number;
  filesPerSecond: number;
  p50: number;
  p99: number;
}

const CONNECTIONS = 10;
const PER_CONNECTION = 50;

export async function severalFiles(seconds: number): Promise<SeveralRow[]> {
  const { root, names } = await tempVault(CONNECTIONS * PER_CONNECTION);
  const server = await spawnServer(['--repo', root]);
  const rows: SeveralRow[] = [];
  try {
    for (const mode of ['50 files per request', 'one file per request'] as const) {
      const latencies: number[] = [];
      let files = 0;
      const deadline = Date.now() + seconds * 1000;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: CONNECTIONS }, async (_, c) => {
          const mine = names.slice(c * PER_CONNECTION, (c + 1) * PER_CONNECTION);
          const user = `u${c}`;
          const send = async (path: string, body: unknown, n: number) => {
            const s = performance.now();
            if ((await postJson(`${server.url}${path}`, body)) !== 200) throw new Error(`${path} failed`);
            latencies.push(performance.now() - s);
            files += n;
          };
          for (let round = 0; Date.now() < deadline && round < 100_000; round++) {
            if (mode === '50 files per request') {
              await send('/api/files/checkout', { filenames: mine, user }, mine.length);
              await send('/api/files/checkin', { filenames: mine, user }, mine.length);
            } else {
              for (const f of mine) await send('/api/files/checkout', { filename: f, user }, 1);
              for (const f of mine) await send('/api/files/checkin', { filename: f, user }, 1);
            }
          }
        }),
      );
      const s = summarize(latencies);
      rows.push({ mode, requests: s.n, filesPerSecond: files / ((performance.now() - t0) / 1000), p50: s.p50, p99: s.p99 });
    }
  } finally {
    await server.stop();
    await rm(dirname(root), { recursive: true, force: true });
  }
  return rows;
}

export function printSeveral(rows: SeveralRow[]): string {
  const lines = ['| mode | requests | files/s | p50 ms | p99 ms |', '|---|---:|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.mode} | ${r.requests} | ${Math.round(r.filesPerSecond).toLocaleString('en-US')} | ${fmt(r.p50)} | ${fmt(r.p99)} |`);
  const [many, one] = rows;
  if (many && one) lines.push('', `Files/s, 50 per request over one per request: ${fmt(many.filesPerSecond / one.filesPerSecond, 2)}x`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(printSeveral(await severalFiles(Number(process.env.BENCH_SECONDS ?? 4))));
}
