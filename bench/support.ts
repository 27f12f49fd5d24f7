import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../bin/pdm-live.js', import.meta.url));

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function summarize(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s.at(-1) ?? NaN };
}

export const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

export async function tempVault(files: number, folder = 'bench'): Promise<{ root: string; names: string[] }> {
  const root = join(await realpath(await mkdtemp(join(tmpdir(), 'pdm-bench-'))), 'vault');
  await mkdir(join(root, folder), { recursive: true });
  const names = Array.from({ length: files }, (_, i) => `${folder}/B${String(i).padStart(6, '0')}.mcam`);
  for (let i = 0; i < names.length; i += 500) await Promise.all(names.slice(i, i + 500).map((n) => writeFile(join(root, n), 'x')));
  return { root, names };
}

export interface BenchServer {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** The real server as its own process (so the load generator does not share its event loop). */
export function spawnServer(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = [], bin = BIN): Promise<BenchServer> {
  const proc = spawn(process.execPath, [...nodeArgs, bin, 'serve', '--no-web', '--port', '0', ...args], {
    // Benchmarks open thousands of sockets from one address, and a load generator is one client:
    // the per-client limits are on but never reached (builds before the limits ignore them).
    env: { ...process.env, PDM_LOG_LEVEL: 'warn', PDM_MAX_SOCKETS_PER_CLIENT: '1000000', PDM_CLIENT_BUDGET: '1000000', PDM_MAX_CONNECTIONS_PER_ADDRESS: '10000000', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('server did not start')), 60_000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve({
          url: m[1]!,
          proc,
          stop: () =>
            new Promise((r) => {
              proc.once('exit', () => r());
              proc.kill('SIGTERM');
            }),
        });
      }
    });
    proc.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
}

/** Resident memory of a process, in bytes (from /proc). */
export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
}

/**
 * A closed-loop load: `concurrency` workers each send request `i` (0, 1, 2… shared) and wait for
 * its status, until `seconds` pass or `count` requests are sent. Latencies of 200 answers only.
 */
export async function closedLoop(concurrency: number, seconds: number, count: number, send: (i: number) => Promise<number>) {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const deadline = Date.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline && next < count) {
        const s = performance.now();
        if ((await send(next++)) === 200) latencies.push(performance.now() - s);
        else errors++;
      }
    }),
  );
  return { latencies, errors, elapsed: (performance.now() - t0) / 1000 };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** A minimal keep-alive JSON POST (fetch adds overhead the server should not be charged for). */
export function postJson(url: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': data.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(data);
  });
}

export function getJson(url: string): Promise<{ status: number; bytes: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, bytes: buf.length, body: JSON.parse(buf.toString('utf8')) });
      });
    }).on('error', reject);
  });
}
