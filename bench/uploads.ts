// Uploads per second: 8 connections, each the holder of its own files, PUT new content (64 KiB
// and 3 MiB) to one file after another for BENCH_SECONDS (default 4); this build beside another
// checkout's (BENCH_UPLOADS_BASELINE_BIN=…/bin/pdm-live.js) in the same run. Every upload is a
// new version, recorded durably before its answer.
// Run: node --import tsx bench/uploads.ts
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fmt, postJson, spawnServer, summarize, tempVault } from './support.js';

export interface UploadRow {
  build: string;
  size: string;
  uploads: number;
  perSecond: number;
  p50: number;
  p99: number;
}

const CONNECTIONS = 8;
const FILES_EACH = 4;
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function put(url: string, body: Buffer, user: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'PUT', agent, headers: { 'content-type': 'application/octet-stream', 'content-length': body.length, 'x-pdm-user': user } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function measure(build: string, bin: string | undefined, bytes: number, seconds: number): Promise<UploadRow> {
  const { root, names } = await tempVault(CONNECTIONS * FILES_EACH);
  const server = await spawnServer(['--repo', root], {}, [], bin);
  try {
    for (let c = 0; c < CONNECTIONS; c++) {
      if ((await postJson(`${server.url}/api/files/checkout`, { filenames: names.slice(c * FILES_EACH, (c + 1) * FILES_EACH), user: `u${c}` })) !== 200) throw new Error('checkout failed');
    }
    const bodies = Array.from({ length: 4 }, () => randomBytes(bytes));
    const latencies: number[] = [];
    const deadline = Date.now() + seconds * 1000;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async (_, c) => {
        for (let i = 0; Date.now() < deadline && i < 100_000; i++) {
          const name = names[c * FILES_EACH + (i % FILES_EACH)]!;
          const s = performance.now();
          const status = await put(`${server.url}/api/files/${name}/content`, bodies[i % bodies.length]!, `u${c}`);
          if (status !== 200) throw new Error(`upload answered ${status}`);
          latencies.push(performance.now() - s);
        }
      }),
    );
    const elapsed = (performance.now() - t0) / 1000;
    const s = summarize(latencies);
    return { build, size: bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB` : `${bytes / 1024} KiB`, uploads: s.n, perSecond: s.n / elapsed, p50: s.p50, p99: s.p99 };
  } finally {
    await server.stop();
    await rm(dirname(root), { recursive: true, force: true });
  }
}

export async function uploads(seconds: number, baselineBin?: string): Promise<UploadRow[]> {
  const rows: UploadRow[] = [];
  for (const bytes of [64 * 1024, 3 * 1024 * 1024]) {
    rows.push(await measure('this build', undefined, bytes, seconds));
    if (baselineBin) rows.push(await measure('baseline build', baselineBin, bytes, seconds));
  }
  return rows;
}

export function printUploads(rows: UploadRow[]): string {
  const lines = ['| build | upload size | uploads | uploads/s | p50 ms | p99 ms |', '|---|---|---:|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.build} | ${r.size} | ${r.uploads} | ${fmt(r.perSecond, 0)} | ${fmt(r.p50)} | ${fmt(r.p99)} |`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(printUploads(await uploads(Number(process.env.BENCH_SECONDS ?? 4), process.env.BENCH_UPLOADS_BASELINE_BIN)));
}
