// What bounds the lock store without HTTP: commits per second and the per-batch O(n) costs.
// Run: node --import tsx bench/store-only.ts
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffLocks } from '../server/locks/lock-diff.js';
import { LockStore } from '../server/locks/lock-store.js';
import { parseLocks, serializeLocks } from '../server/locks/locks-file.js';
import type { LocksMap } from '../shared/protocol.js';

const dir = await mkdtemp(join(tmpdir(), 'pdm-store-'));
const store = new LockStore({ file: join(dir, 'locks.json'), journaledFile: join(dir, 'journaled.json'), journal: () => Promise.resolve([]) });
await store.open();
let n = 0;
const deadline = Date.now() + 3000;
const t0 = Date.now();
await Promise.all(
  Array.from({ length: 50 }, async () => {
    while (Date.now() < deadline) {
      const i = n++;
      await store.mutate((d) => d.set(`f${i}.mcam`, { user: 'u', timestamp: new Date().toISOString(), message: '' }, { by: 'u' }));
    }
  }),
);
const s = (Date.now() - t0) / 1000;
console.log(`store alone, 50 in flight: ${(n / s).toFixed(0)} mutations/s, ${store.stats.commits} commits, ${(n / store.stats.commits).toFixed(1)} per batch, ${((s * 1000) / store.stats.commits).toFixed(2)} ms per commit, ${n} locks at the end`);
await store.close();

const locks: LocksMap = {};
for (let i = 0; i < 10_000; i++) locks[`bench/B${String(i).padStart(6, '0')}.mcam`] = { user: 'bench', timestamp: new Date().toISOString(), message: 'held before the run' };
const time = (label: string, fn: () => unknown) => {
  fn();
  const t = performance.now();
  for (let i = 0; i < 20; i++) fn();
  console.log(`10,000 locks: ${label} ${((performance.now() - t) / 20).toFixed(2)} ms`);
};
const text = serializeLocks(locks);
time('serialize', () => serializeLocks(locks));
time('copy', () => ({ ...locks }));
time('parse', () => parseLocks(text));
time('diff', () => diffLocks(locks, { ...locks }));
