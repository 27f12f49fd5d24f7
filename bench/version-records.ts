// The version thread's cost per first-check-out baseline (issue #8's record of the content a holder
// starts from), on N new files in one folder, this checkout beside another checkout's VersionFiles
// (BENCH_VERSIONS_BASELINE_DIR=<that checkout's root>) in the same run.
// Run: node --import tsx bench/version-records.ts   (BENCH_VERSION_FILES, default 20000)
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fmt } from './support.js';

type Files = { record(name: string, source: string, opts: { user: string | null; durable?: boolean }): unknown };
type FilesClass = new (dir: string, keep: number, vault: { root: string; dataDir: string }) => Files;

export interface VersionRow {
  build: string;
  records: number;
  wallUs: number;
  userUs: number;
  sysUs: number;
}

function measure(build: string, Files: FilesClass, n: number): VersionRow {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'pdm-vrec-')));
  const root = join(base, 'vault');
  mkdirSync(join(root, 'bench'), { recursive: true });
  for (let i = 0; i < n; i++) writeFileSync(join(root, 'bench', `B${i}.mcam`), 'x');
  const files = new Files(join(root, '.pdm', 'versions'), 50, { root, dataDir: join(root, '.pdm') });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) files.record(`bench/B${i}.mcam`, join(root, 'bench', `B${i}.mcam`), { user: null, durable: false });
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  rmSync(base, { recursive: true, force: true });
  return { build, records: n, wallUs: (wall * 1000) / n, userUs: c.user / n, sysUs: c.system / n };
}

export async function versionRecords(n = 20_000, baselineDir?: string): Promise<VersionRow[]> {
  const load = async (dir: string) => (await import(pathToFileURL(join(dir, 'server/versions/version-files.ts')).href)).VersionFiles as FilesClass;
  const rows = [measure('this checkout', await load(join(import.meta.dirname, '..')), n)];
  if (baselineDir) rows.push(measure('baseline checkout', await load(baselineDir), n));
  return rows;
}

export function printVersions(rows: VersionRow[]): string {
  const lines = ['| build | first records | wall µs each | user CPU µs | system CPU µs |', '|---|---:|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.build} | ${r.records} | ${fmt(r.wallUs, 0)} | ${fmt(r.userUs, 0)} | ${fmt(r.sysUs, 0)} |`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(printVersions(await versionRecords(Number(process.env.BENCH_VERSION_FILES ?? 20_000), process.env.BENCH_VERSIONS_BASELINE_DIR)));
}
