import { measure } from './lock-throughput.js';
import { WRK } from './wrk.js';

// Run: BENCH_BASELINE_BIN=/tmp/base/bin/pdm-live.js node --import tsx bench/checkouts-beside.ts
// (BENCH_SECONDS, default 5; BENCH_ROUNDS, default 3). Check-outs at 50 connections, empty store,
// this build and the baseline taking turns, so both see the same machine; medians and the ratio.

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const baseline = process.env.BENCH_BASELINE_BIN;
if (!baseline) throw new Error('set BENCH_BASELINE_BIN to another checkout\'s bin/pdm-live.js');
const generator = WRK ? 'wrk' : 'node';
const ours: number[] = [];
const theirs: number[] = [];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`| round | this build, check-outs/s (p50, p99 ms) | baseline, check-outs/s (p50, p99 ms) |\n|---|---:|---:|`);
for (let round = 1; round <= rounds; round++) {
  const a = await measure('this build', {}, 0, seconds, generator);
  const b = await measure('baseline', {}, 0, seconds, generator, baseline);
  ours.push(a.perSecond);
  theirs.push(b.perSecond);
  console.log(`| ${round} | ${a.perSecond.toFixed(0)} (${a.p50.toFixed(1)}, ${a.p99.toFixed(1)}) | ${b.perSecond.toFixed(0)} (${b.p50.toFixed(1)}, ${b.p99.toFixed(1)}) |`);
}
console.log(`| median | **${median(ours).toFixed(0)}** | **${median(theirs).toFixed(0)}** (ratio ${(median(ours) / median(theirs)).toFixed(2)}x) |`);
