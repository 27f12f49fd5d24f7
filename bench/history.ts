// A file's history on a log of BENCH_HISTORY_ENTRIES (default 1,000,000) entries: 1,000 files,
// 20 people, check-out/check-in pairs (500 holds a file). The compiled server is started on it
// twice: first with no index beside the log (it reads the log once and writes the index at its
// stop), then from that index. Per start: time to the first answer and the server's RSS; then
// GET /api/files/{name}/history for 200 random files (p50, p99), and a filtered
// GET /api/activity?filename=&limit=100 (read backwards). The baseline is what a full read of the
// log per request would cost: one streamed read and parse of the whole file, measured here.
// With BENCH_HISTORY_SEVERAL=1 (as in the BENCHMARKS.md run) the several-files benchmark runs after
// it in the same process, so both figures come from one run.
// Run: npm run build && node --import tsx bench/history.ts
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fmt, getJson, rssBytes, spawnServer, summarize, tempVault } from './support.js';
import { printSeveral, severalFiles } from './several-files.js';

const FILES = 1000;
const USERS = 20;

async function writeLog(file: string, entries: number, names: string[]): Promise<void> {
  const out = createWriteStream(file);
  let t = Date.parse('2024-01-01T00:00:00Z');
  const line = (type: string, filename: string, user: string, message: string | null) =>
    JSON.stringify({ id: randomUUID(), at: new Date(t).toISOString(), type, filename, user, message, source: 'api', ...(type === 'checkin' ? { previous_user: user } : {}) }) + '\n';
  for (let i = 0; i < entries / 2; i++) {
    const name = names[i % FILES]!;
    const user = `user${(i * 7) % USERS}`;
    t += 30_000;
    const ok = out.write(line('checkout', name, user, `job ${i}`));
    t += 1000 + ((i * 7919) % 3_600_000);
    if (!out.write(line('checkin', name, user, i % 3 ? null : `posted ${i}`)) || !ok) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/** What a request would cost if it read the whole log: one streamed read and parse. */
async function fullRead(file: string, name: string): Promise<{ ms: number; holds: number }> {
  const t0 = performance.now();
  let holds = 0;
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const l of rl) {
    const e = JSON.parse(l) as { filename: string; type: string };
    if (e.filename === name && e.type === 'checkout') holds++;
  }
  return { ms: performance.now() - t0, holds };
}

export interface HistoryRun {
  start: string;
  firstAnswerMs: number;
  rssMb: number;
  history: ReturnType<typeof summarize>;
  search: ReturnType<typeof summarize>;
}

export async function historyBench(entries: number): Promise<{ runs: HistoryRun[]; logMb: number; fullReadMs: number[] }> {
  const { root, names } = await tempVault(FILES);
  const data = join(root, '.pdm');
  await mkdir(data, { recursive: true });
  const log = join(data, 'activity.jsonl');
  await writeLog(log, entries, names);
  const logMb = (await stat(log)).size / 2 ** 20;
  const runs: HistoryRun[] = [];
  try {
    for (const start of ['no index (reads the whole log once)', 'from the index written at the last stop']) {
      const t0 = performance.now();
      const server = await spawnServer(['--repo', root]);
      try {
        const first = await getJson(`${server.url}/api/files/${encodeURIComponent(names[0]!)}/history?limit=1`);
        if (first.status !== 200) throw new Error(`history answered ${first.status}`);
        const firstAnswerMs = performance.now() - t0;
        const history: number[] = [];
        const search: number[] = [];
        for (let i = 0; i < 200; i++) {
          const name = encodeURIComponent(names[(i * 7919) % FILES]!);
          let s = performance.now();
          const h = await getJson(`${server.url}/api/files/${name}/history`);
          history.push(performance.now() - s);
          if (h.status !== 200 || (h.body as { holds: unknown[] }).holds.length !== Math.min(100, entries / 2 / FILES)) throw new Error('history answered wrong');
          if (i % 10 === 0) {
            s = performance.now();
            await getJson(`${server.url}/api/activity?filename=${name}&limit=100`);
            search.push(performance.now() - s);
          }
        }
        runs.push({ start, firstAnswerMs, rssMb: (await rssBytes(server.proc.pid!)) / 2 ** 20, history: summarize(history), search: summarize(search) });
      } finally {
        await server.stop();
      }
    }
    const fullReadMs: number[] = [];
    for (let i = 0; i < 3; i++) fullReadMs.push((await fullRead(log, names[i]!)).ms);
    return { runs, logMb, fullReadMs };
  } finally {
    await rm(dirname(root), { recursive: true, force: true });
  }
}

export function printHistory(r: Awaited<ReturnType<typeof historyBench>>, entries: number): string {
  const lines = [
    `Log: ${entries.toLocaleString('en-US')} entries (${fmt(r.logMb, 0)} MB), ${FILES} files, ${USERS} people, ${(entries / 2 / FILES).toLocaleString('en-US')} holds a file.`,
    '',
    '| start | first answer ms | RSS MB | history p50 ms | history p99 ms | activity?filename= p50 ms | p99 ms |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const x of r.runs) lines.push(`| ${x.start} | ${fmt(x.firstAnswerMs, 0)} | ${fmt(x.rssMb, 0)} | ${fmt(x.history.p50)} | ${fmt(x.history.p99)} | ${fmt(x.search.p50)} | ${fmt(x.search.p99)} |`);
  const full = summarize(r.fullReadMs);
  lines.push('', `Baseline, a full read of the log per request (streamed, parsed; 3 reads): median ${fmt(full.p50, 0)} ms.`);
  const served = r.runs.at(-1);
  if (served) lines.push(`History p50 over a full read: ${fmt(full.p50 / served.history.p50, 0)}x faster.`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const entries = Number(process.env.BENCH_HISTORY_ENTRIES ?? 1_000_000);
  console.log(printHistory(await historyBench(entries), entries));
  if (process.env.BENCH_HISTORY_SEVERAL === '1') console.log('\n' + printSeveral(await severalFiles(Number(process.env.BENCH_SECONDS ?? 4))));
}
