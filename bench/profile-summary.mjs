// Summarises a .cpuprofile: top self times, and time by module (package or source file).
// Run: node bench/profile-summary.mjs FILE.cpuprofile
import { readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map();
// PROF_SKIP_MS / PROF_UNTIL_MS: only the samples in that window (leave out start-up and shut-down).
const skip = Number(process.env.PROF_SKIP_MS ?? 0) * 1000; const until = Number(process.env.PROF_UNTIL_MS ?? Infinity) * 1000; let at = 0;
const dt = p.timeDeltas.map((d) => { at += d; return at < skip || at > until ? 0 : d; }); let total = 0;
for (let i = 0; i < p.samples.length; i++) { const n = byId.get(p.samples[i]); const d = dt[i] ?? 0; total += d; const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber}`; self.set(k, (self.get(k) ?? 0) + d); }
// inclusive by url (package)
const parent = new Map(); for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const incl = new Map();
for (let i = 0; i < p.samples.length; i++) { const seen = new Set(); let id = p.samples[i]; const d = dt[i] ?? 0; while (id) { const n = byId.get(id); const u = n.callFrame.url; const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(u); const k = m ? m[1] : u.includes('/work/main/') ? u.split('/work/main/')[1] : (u || n.callFrame.functionName); if (!seen.has(k)) { seen.add(k); incl.set(k, (incl.get(k) ?? 0) + d); } id = parent.get(id); } }
console.log('total ms', (total / 1000).toFixed(0));
console.log([...self].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${(v / 1000).toFixed(0).padStart(6)} ms self  ${k}`).join('\n'));
console.log('--- inclusive by module');
console.log([...incl].sort((a, b) => b[1] - a[1]).slice(0, 40).map(([k, v]) => `${(v / 1000).toFixed(0).padStart(6)} ms  ${k}`).join('\n'));
