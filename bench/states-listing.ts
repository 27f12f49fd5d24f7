// Release states at vault scale: GET /api/files (plain and gzip) on N files with no states.json,
// beside the same vault with every file given a state (a third each proven, released, obsolete),
// same build, same run, rounds alternating. CONTRACT §18's fields cost bytes on every row.
// Run: node --import tsx bench/states-listing.ts   (BENCH_VAULT_FILES=100000, BENCH_STATES_ROUNDS=3)
import http from 'node:http';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fmt, spawnServer, summarize } from './support.js';

const agent = new http.Agent({ keepAlive: true });

function get(url: string, gzip: boolean): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    http.get(url, { agent, headers: gzip ? { 'accept-encoding': 'gzip' } : {} }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => (res.statusCode === 200 ? resolve({ ms: performance.now() - t0, bytes }) : reject(new Error(`status ${res.statusCode}`))));
    }).on('error', reject);
  });
}

export interface StatesRow {
  label: string;
  plainP50: number;
  plainP99: number;
  gzP50: number;
  gzP99: number;
  kb: number;
}

export async function statesListing(files: number, rounds: number, requests = 30): Promise<StatesRow[]> {
  const root = join(await realpath(await mkdtemp(join(tmpdir(), 'pdm-states-'))), 'vault');
  const names: string[] = [];
  for (let d = 0; d < Math.ceil(files / 100); d++) {
    await mkdir(join(root, `F${String(d).padStart(4, '0')}`), { recursive: true });
    for (let f = 0; f < 100 && names.length < files; f++) names.push(`F${String(d).padStart(4, '0')}/P${String(names.length).padStart(6, '0')}.mcam`);
  }
  for (let i = 0; i < names.length; i += 1000) await Promise.all(names.slice(i, i + 1000).map((n) => writeFile(join(root, n), 'G0 X0 Y0\n')));
  const statesFile = join(root, '.pdm', 'states.json');
  const states = Object.fromEntries(names.map((n, i) => [n, { state: (['proven', 'released', 'obsolete'] as const)[i % 3], revision: 'B', by: 'boss', at: '2026-12-01T10:00:00.000Z', comment: 'Signed off after the first article' }]));
  const samples = { without: { plain: [] as number[], gz: [] as number[], kb: 0 }, with: { plain: [] as number[], gz: [] as number[], kb: 0 } };
  for (let r = 0; r < rounds; r++) {
    for (const which of ['without', 'with'] as const) {
      await mkdir(dirname(statesFile), { recursive: true });
      if (which === 'with') await writeFile(statesFile, JSON.stringify(states, null, 2));
      else await rm(statesFile, { force: true });
      const server = await spawnServer(['--repo', root]);
      const url = `${server.url}/api/files`;
      await get(url, false);
      for (let i = 0; i < requests; i++) {
        const plain = await get(url, false);
        samples[which].plain.push(plain.ms);
        samples[which].kb = plain.bytes / 1024;
        samples[which].gz.push((await get(url, true)).ms);
      }
      await server.stop();
    }
  }
  await rm(dirname(root), { recursive: true, force: true });
  return (['without', 'with'] as const).map((w) => {
    const p = summarize(samples[w].plain);
    const g = summarize(samples[w].gz);
    return { label: w === 'with' ? 'every file with a state' : 'no states.json', plainP50: p.p50, plainP99: p.p99, gzP50: g.p50, gzP99: g.p99, kb: samples[w].kb };
  });
}

export function printStates(rows: StatesRow[], files: number): string {
  const [a, b] = rows as [StatesRow, StatesRow];
  return [
    `| ${files} files | GET /api/files p50 ms | p99 ms | gzip p50 ms | gzip p99 ms | size KB |`,
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.label} | ${fmt(r.plainP50)} | ${fmt(r.plainP99)} | ${fmt(r.gzP50)} | ${fmt(r.gzP99)} | ${fmt(r.kb, 0)} |`),
    `| ratio | ${fmt(b.plainP50 / a.plainP50, 2)}x | ${fmt(b.plainP99 / a.plainP99, 2)}x | ${fmt(b.gzP50 / a.gzP50, 2)}x | ${fmt(b.gzP99 / a.gzP99, 2)}x | ${fmt(b.kb / a.kb, 2)}x |`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = Number(process.env.BENCH_VAULT_FILES ?? 100_000);
  console.log(printStates(await statesListing(files, Number(process.env.BENCH_STATES_ROUNDS ?? 3)), files));
}
