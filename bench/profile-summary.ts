// Summarises a V8 .cpuprofile (from `node --cpu-prof`): the top self times; the time by owner (each
// sample charged to the nearest package or source folder on its stack, so Node's own frames count
// for whoever called them); and the inclusive time by module.
// Run: node --import tsx bench/profile-summary.ts FILE.cpuprofile
// PROF_SKIP_MS / PROF_UNTIL_MS keep only the samples in that window (ms after the profile started).
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const file = process.argv[2];
if (!file) {
  console.error('usage: node --import tsx bench/profile-summary.ts FILE.cpuprofile');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const skipUs = Number(process.env.PROF_SKIP_MS ?? 0) * 1000;
const untilUs = Number(process.env.PROF_UNTIL_MS ?? Infinity) * 1000;
const ROOT = process.cwd() + '/';

/** A package name, a source file (relative), or '' for Node's and V8's own frames. */
function moduleOf(url: string): string {
  const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.includes(ROOT)) return url.split(ROOT)[1]!;
  return '';
}

/** The nearest package or source folder (`server/locks`) up the stack; else the frame's own name. */
function ownerOf(id: number): string {
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const m = moduleOf(byId.get(cur)!.callFrame.url);
    if (m) return m.includes('/') && !m.startsWith('@') ? m.split('/').slice(0, 2).join('/') : m;
  }
  return byId.get(id)!.callFrame.functionName || '(anonymous)';
}

const self = new Map<string, number>();
const owner = new Map<string, number>();
const inclusive = new Map<string, number>();
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
let at = 0;
let total = 0;
profile.samples.forEach((id, i) => {
  at += profile.timeDeltas[i] ?? 0;
  if (at < skipUs || at > untilUs) return;
  const d = profile.timeDeltas[i] ?? 0;
  total += d;
  const f = byId.get(id)!.callFrame;
  add(self, `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber}`, d);
  add(owner, ownerOf(id), d);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const cf = byId.get(cur)!.callFrame;
    const k = moduleOf(cf.url) || cf.url || cf.functionName;
    if (!seen.has(k)) {
      seen.add(k);
      add(inclusive, k, d);
    }
  }
});

const ms = (us: number) => (us / 1000).toFixed(0).padStart(6);
const pct = (us: number) => ((100 * us) / total).toFixed(1).padStart(5);
const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
console.log(`total ${ms(total)} ms`);
console.log('--- self time, top 25');
for (const [k, v] of top(self, 25)) console.log(`${ms(v)} ms ${pct(v)}%  ${k}`);
console.log('--- by owner (nearest package or source folder on the stack)');
for (const [k, v] of top(owner, 25)) console.log(`${ms(v)} ms ${pct(v)}%  ${k}`);
console.log('--- inclusive by module');
for (const [k, v] of top(inclusive, 40)) console.log(`${ms(v)} ms ${pct(v)}%  ${k}`);
