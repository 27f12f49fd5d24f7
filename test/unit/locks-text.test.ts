import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LockChange } from '../../server/locks/lock-diff.js';
import { serializeLocks } from '../../server/locks/locks-file.js';
import { LocksText } from '../../server/locks/locks-text.js';
import type { LocksMap } from '../../shared/protocol.js';

const name = fc.constantFrom('a.mcam', 'b/c.mcam', 'Ünïcode ✓.vnc', 'quote".mcam', 'x\\y.mcam', '1.mcam');
const lock = fc.record({ user: fc.string({ minLength: 1, maxLength: 8 }), timestamp: fc.constant('2026-11-22T10:00:00.000Z'), message: fc.string({ maxLength: 20 }), extra: fc.option(fc.jsonValue(), { nil: undefined }) });
const op = fc.tuple(name, fc.option(lock, { nil: null }));

describe('LocksText', () => {
  it('gives the same bytes as JSON.stringify(map, null, 2) after any sequence of changes', () => {
    fc.assert(
      // Chunks of 1–3 locks, so that chunks fill, empty, and are regrouped within a few changes.
      fc.property(fc.array(op, { maxLength: 8 }), fc.array(fc.array(op, { maxLength: 6 }), { maxLength: 6 }), fc.integer({ min: 1, max: 3 }), (initial, batches, chunkSize) => {
        const locks: LocksMap = {};
        for (const [n, l] of initial) if (l) locks[n] = l;
        const text = new LocksText(locks, chunkSize);
        expect(text.text()).toBe(serializeLocks(locks));
        for (const batch of batches) {
          const changes: LockChange[] = [];
          for (const [n, l] of batch) {
            const before = locks[n] ?? null;
            if (!before && !l) continue;
            changes.push({ filename: n, before, after: (l) ?? null });
            if (l) locks[n] = l;
            else delete locks[n];
          }
          text.apply(changes);
          expect(text.text()).toBe(serializeLocks(locks));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('stays exact when removals leave many small chunks to regroup', () => {
    const many = fc.tuple(fc.integer({ min: 0, max: 60 }).map((i) => `f${i}.mcam`), fc.option(lock, { nil: null }));
    fc.assert(
      fc.property(fc.array(fc.array(many, { maxLength: 30 }), { maxLength: 8 }), fc.integer({ min: 1, max: 4 }), (batches, chunkSize) => {
        const locks: LocksMap = {};
        for (let i = 0; i < 60; i++) locks[`f${i}.mcam`] = { user: 'u', timestamp: '2026-11-22T10:00:00.000Z', message: '' };
        const text = new LocksText(locks, chunkSize);
        for (const batch of batches) {
          const changes: LockChange[] = [];
          for (const [n, l] of batch) {
            const before = locks[n] ?? null;
            if (!before && !l) continue;
            changes.push({ filename: n, before, after: (l) ?? null });
            if (l) locks[n] = l;
            else delete locks[n];
          }
          text.apply(changes);
          expect(text.text()).toBe(serializeLocks(locks));
        }
      }),
      { numRuns: 300 },
    );
  });
});
