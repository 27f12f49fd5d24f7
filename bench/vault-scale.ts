// Vault scale: N files in N/100 folders. Time from process start to listening (served), RSS,
// GET /api/files latency and size, the socket snapshot's size and time, and a file dropped in.
// Run: node --import tsx bench/vault-scale.ts   (BENCH_VAULT_FILES=100000; BENCH_BASELINE_BIN=path of
// another checkout's bin/pdm-live.js to measure it beside this one, e.g. the chokidar watcher)
import http from 'node:http';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { io } from 'socket.io-client';
import { BIN, fmt, postJson, rssBytes, spawnServer, summarize } from './support.js';

const agent = new http.Agent({ keepAlive: true });

export interface ScaleRow {
  label: string;
  files: number;
  servedMs: number;
  rssMb: number;
  listP50: number;
  listP99: number;
  listKb: number;
  gzP50: number;
  gzP99: number;
  gzKb: number;
  changedP50: number;
  changedMax: number;
  snapshotKb: number;
  snapshotMs: number;
  stormMs: number;
  stormCpuMs: number;
  dropMs: number;
}

async function makeVault(files: number): Promise<string> {
  const root = join(await realpath(await mkdtemp(join(tmpdir(), 'pdm-scale-'))), 'vault');
  const perFolder = 100;
  const names: string[] = [];
  for (let d = 0; d < Math.ceil(files / perFolder); d++) {
    await mkdir(join(root, `F${String(d).padStart(4, '0')}`), { recursive: true });
    for (let f = 0; f < perFolder && names.length < files; f++) names.push(`F${String(d).padStart(4, '0')}/P${String(names.length).padStart(6, '0')}.mcam`);
  }
  for (let i = 0; i < names.length; i += 1000) await Promise.all(names.slice(i, i + 1000).map((n) => writeFile(join(root, n), 'G0 X0 Y0\n')));
  return root;
}

function fetchBytes(url: string, gzip: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent, headers: gzip ? { 'accept-encoding': 'gzip' } : {} }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('end', () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`status ${res.statusCode}`))));
    }).on('error', reject);
  });
}

/** CPU time (user + system) a process has used so far, from /proc (clock ticks of 10 ms). */
async function cpuMs(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function measure(label: string, bin: string, root: string, files: number): Promise<ScaleRow> {
  const t0 = performance.now();
  const server = await spawnServer(['--repo', root], {}, [], bin);
  const servedMs = performance.now() - t0;
  try {
    const lists: number[] = [];
    const gzLists: number[] = [];
    let listBytes = 0;
    let gzBytes = 0;
    // Request to last byte (the client's JSON.parse is not the server's cost).
    for (let i = 0; i < 20; i++) {
      let t = performance.now();
      listBytes = await fetchBytes(`${server.url}/api/files`, false);
      lists.push(performance.now() - t);
      t = performance.now();
      gzBytes = await fetchBytes(`${server.url}/api/files`, true);
      gzLists.push(performance.now() - t);
    }
    // After one change: the list is re-serialised from the per-file fragments (one of them new).
    const afterChange: number[] = [];
    for (let i = 0; i < 10 && files >= 200; i++) {
      const r = await postJson(`${server.url}/api/files/checkout`, { filename: `F0001/P${String(100 + i).padStart(6, '0')}.mcam`, user: 'bench' });
      if (r !== 200) throw new Error(`check-out answered ${r}`);
      const t = performance.now();
      await fetchBytes(`${server.url}/api/files`, false);
      afterChange.push(performance.now() - t);
    }
    // Leave the vault as it was for the next server measured on it.
    for (let i = 0; i < 10 && files >= 200; i++) await postJson(`${server.url}/api/files/checkin`, { filename: `F0001/P${String(100 + i).padStart(6, '0')}.mcam`, user: 'bench' });
    const socket = io(server.url, { transports: ['websocket'], auth: { user: 'bench' }, forceNew: true });
    const t1 = performance.now();
    const snapshotBytes = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no snapshot')), 60_000);
      socket.once('snapshot', (s: unknown) => {
        clearTimeout(timer);
        resolve(Buffer.byteLength(JSON.stringify(s)));
      });
    });
    const snapshotMs = performance.now() - t1;
    // A reconnect storm: 30 sockets connecting at once (a server restart with 30 browsers open).
    const storm = Array.from({ length: 30 }, () => io(server.url, { transports: ['websocket'], auth: { user: 'storm' }, forceNew: true, reconnection: false }));
    const t3 = performance.now();
    const cpu0 = await cpuMs(server.proc.pid!);
    await Promise.all(
      storm.map(
        (s) =>
          new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error('storm: no snapshot in 120 s')), 120_000);
            s.once('snapshot', () => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
    const stormMs = performance.now() - t3;
    const stormCpuMs = (await cpuMs(server.proc.pid!)) - cpu0;
    storm.forEach((s) => s.close());
    // A file dropped into the deepest folder's neighbour: the watcher must still see it at scale.
    const t2 = performance.now();
    const added = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('drop not seen in 60 s')), 60_000);
      const seen = (p: { file?: { name?: string } }) => {
        if (p.file?.name === 'F0000/dropped.mcam') {
          clearTimeout(timer);
          resolve();
        }
      };
      socket.on('file:added', seen);
      socket.on('batch', (b: { events: { event: string; data: { file?: { name?: string } } }[] }) => b.events.forEach((e) => e.event === 'file:added' && seen(e.data)));
    });
    await writeFile(join(root, 'F0000', 'dropped.mcam'), 'G0\n');
    await added;
    const dropMs = performance.now() - t2;
    socket.close();
    const rss = (await rssBytes(server.proc.pid!)) / 2 ** 20;
    await rm(join(root, 'F0000', 'dropped.mcam'));
    const s = summarize(lists);
    const g = summarize(gzLists);
    const c = summarize(afterChange);
    return { label, files, servedMs, rssMb: rss, listP50: s.p50, listP99: s.p99, listKb: listBytes / 1024, gzP50: g.p50, gzP99: g.p99, gzKb: gzBytes / 1024, changedP50: c.p50, changedMax: c.max, snapshotKb: snapshotBytes / 1024, snapshotMs, stormMs, stormCpuMs, dropMs };
  } finally {
    await server.stop();
  }
}

export async function vaultScale(files: number, baselineBin?: string): Promise<ScaleRow[]> {
  const root = await makeVault(files);
  const empty = join(await realpath(await mkdtemp(join(tmpdir(), 'pdm-scale-empty-'))), 'vault');
  await mkdir(join(empty, 'F0000'), { recursive: true });
  try {
    const rows = [await measure('this checkout, empty vault (start-up baseline)', BIN, empty, 0)];
    if (baselineBin) rows.push(await measure('baseline checkout', baselineBin, root, files));
    rows.push(await measure('this checkout', BIN, root, files));
    return rows;
  } finally {
    await rm(join(root, '..'), { recursive: true, force: true });
    await rm(join(empty, '..'), { recursive: true, force: true });
  }
}

export function printScale(rows: ScaleRow[]): string {
  const lines = [
    '| server | files | served ms | RSS MB | GET /api/files p50 / p99 ms (KB) | same, gzip p50 / p99 ms (KB) | GET /api/files right after a check-out p50 / max ms | snapshot KB | connect → snapshot ms | 30 sockets at once → all snapshots ms (server CPU ms) | file drop → file:added ms |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(`| ${r.label} | ${r.files} | ${fmt(r.servedMs, 0)} | ${fmt(r.rssMb, 0)} | ${fmt(r.listP50)} / ${fmt(r.listP99)} (${fmt(r.listKb, 0)}) | ${fmt(r.gzP50)} / ${fmt(r.gzP99)} (${fmt(r.gzKb, 0)}) | ${fmt(r.changedP50)} / ${fmt(r.changedMax)} | ${fmt(r.snapshotKb, 0)} | ${fmt(r.snapshotMs, 0)} | ${fmt(r.stormMs, 0)} (${fmt(r.stormCpuMs, 0)}) | ${fmt(r.dropMs, 0)} |`);
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = Number(process.env.BENCH_VAULT_FILES ?? 100_000);
  console.log(printScale(await vaultScale(files, process.env.BENCH_BASELINE_BIN)));
  process.exit(0);
}
