// `npm run bench`: every benchmark in one run, printed as Markdown tables (copied into BENCHMARKS.md).
// BENCH_SECONDS, BENCH_THROUGHPUT_BASELINE_BIN, BENCH_FANOUT=1000,5000, BENCH_VAULT_FILES, BENCH_BASELINE_BIN,
// BENCH_PAGE_FILES, BENCH_VERSIONS_BASELINE_DIR, BENCH_PROTECT_ROUNDS, BENCH_PROTECT_FILES, BENCH_HANDOFF_ROUNDS,
// BENCH_HISTORY_ENTRIES, BENCH_BUSY_ROUNDS, BENCH_BUSY_BASELINE_BIN, BENCH_UPLOADS_BASELINE_BIN, BENCH_STOP_ROUNDS.
import os from 'node:os';
import { diskToClient, fanout, printFanout } from './fanout.js';
import { lockThroughput, printThroughput } from './lock-throughput.js';
import { pageBench, printPage } from './page.js';
import { printBursts, printScale as printProtectScale, protectBursts, protectScale } from './protect.js';
import { handoffLatency, printHandoff } from './handoff.js';
import { printSeveral, severalFiles } from './several-files.js';
import { historyBench, printHistory } from './history.js';
import { busyBoard, printBusy } from './busy-board.js';
import { fmt } from './support.js';
import { printScale, vaultScale } from './vault-scale.js';
import { printVersions, versionRecords } from './version-records.js';
import { printUploads, uploads } from './uploads.js';
import { printStop, stopAndRecover } from './stop-and-recover.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 4);
console.log(`# PDM Live benchmarks, ${new Date().toISOString()}`);
console.log(`Machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}\n`);

console.log('## 1. Check-outs at 50 concurrent HTTP connections, distinct files, durable writes\n');
console.log(printThroughput(await lockThroughput(seconds, undefined, process.env.BENCH_THROUGHPUT_BASELINE_BIN)));

console.log('\n### The version thread: first-check-out baselines, one thread, no server\n');
console.log(printVersions(await versionRecords(20_000, process.env.BENCH_VERSIONS_BASELINE_DIR)));

console.log('\n## 2. Fan-out: trigger to arrival at every WebSocket client (clients in another process)\n');
const sizes = (process.env.BENCH_FANOUT ?? '1000').split(',').map(Number);
console.log(printFanout(await fanout(sizes, 40)));

console.log('\n## 3. Disk to client\n');
const d = await diskToClient(30);
console.log('| change | n | p50 ms | p95 ms | p99 ms |\n|---|---:|---:|---:|---:|');
console.log(`| hand edit of locks.json → lock:acquired | ${d.edit.n} | ${fmt(d.edit.p50)} | ${fmt(d.edit.p95)} | ${fmt(d.edit.p99)} |`);
console.log(`| 10 KB file dropped into the vault → file:added | ${d.drop.n} | ${fmt(d.drop.p50)} | ${fmt(d.drop.p95)} | ${fmt(d.drop.p99)} |`);

const vaultFiles = Number(process.env.BENCH_VAULT_FILES ?? 100_000);
console.log(`\n## 4. Vault scale: ${vaultFiles} files in ${Math.ceil(vaultFiles / 100)} folders\n`);
console.log(printScale(await vaultScale(vaultFiles, process.env.BENCH_BASELINE_BIN)));

console.log('\n## 5. The page in Chromium\n');
const pageSizes = (process.env.BENCH_PAGE_FILES ?? '10000,100000').split(',').map(Number);
console.log(printPage(await pageBench(pageSizes)));

console.log('\n## 6. --protect: a burst of check-outs and check-ins, and the start at vault scale\n');
console.log(printBursts(await protectBursts(Number(process.env.BENCH_PROTECT_ROUNDS ?? 5))));
const protectFiles = Number(process.env.BENCH_PROTECT_FILES ?? vaultFiles);
console.log('\n' + printProtectScale(await protectScale(protectFiles), protectFiles));

console.log('\n## 7. Hand-off: the check-in to the waiter\'s socket, beside a check-out\n');
console.log(printHandoff(await handoffLatency(Number(process.env.BENCH_HANDOFF_ROUNDS ?? 200))));

console.log('\n## 8. Several files per request beside one per request\n');
console.log(printSeveral(await severalFiles(seconds)));

const historyEntries = Number(process.env.BENCH_HISTORY_ENTRIES ?? 1_000_000);
console.log(`\n## 9. A file's history on a log of ${historyEntries} entries\n`);
console.log(printHistory(await historyBench(historyEntries), historyEntries));

console.log('\n## 10. A busy board: 300 sockets coming and going, 100 check-outs and check-ins a second\n');
console.log(printBusy(await busyBoard(20, Number(process.env.BENCH_BUSY_ROUNDS ?? 2), process.env.BENCH_BUSY_BASELINE_BIN)));

console.log('\n## 11. Uploads: 8 holders putting new content, every upload a durable version\n');
console.log(printUploads(await uploads(seconds, process.env.BENCH_UPLOADS_BASELINE_BIN)));

console.log('\n## 12. Stops, a commit after kill -9, server to server, health under a drop (the times tests no longer bound)\n');
console.log(printStop(await stopAndRecover(Number(process.env.BENCH_STOP_ROUNDS ?? 10))));
process.exit(0);
