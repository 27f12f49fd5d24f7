import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LockChange } from '../../server/locks/lock-diff.js';
import { serializeLocks } from '../../server/locks/locks-file.js';
import { LocksText } from '../../server/locks/locks-text.js';
import type { LockInfo, LocksMap } from '../../shared/protocol.js';

const name = fc.constantFrom('a.mcam', 'b/c.mcam', 'Ünïcode ✓.vnc', 'quote".mcam', 'x\\y.mcam', '1.mcam');
const lock = fc.record({ user: fc.string({ minLength: 1, maxLength: 8 }), timestamp: fc.constant('2026-11-22T10:00:00.000Z'), message: fc.string({ maxLength: 20 }), extra: fc.option(fc.jsonValue(), { nil: undefined }) });
const op = fc.tuple(name, fc.option(lock, { nil: null }));

describe('LocksText', () => {
  it('gives the same bytes as JSON.stringify(map, null, 2) after any sequence of changes', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 8 }), fc.array(fc.array(op, { maxLength: 6 }), { maxLength: 6 }), (initial, batches) => {
        const locks: LocksMap = {};
        for (const [n, l] of initial) if (l) locks[n] = l as LockInfo;
        const text = new LocksText(locks);
        expect(text.bytes().toString()).toBe(serializeLocks(locks));
        for (const batch of batches) {
          const changes: LockChange[] = [];
          for (const [n, l] of batch) {
            const before = locks[n] ?? null;
            if (!before && !l) continue;
            changes.push({ filename: n, before, after: (l as LockInfo) ?? null });
            if (l) locks[n] = l as LockInfo;
            else delete locks[n];
          }
          text.apply(changes);
          expect(text.bytes().toString()).toBe(serializeLocks(locks));
        }
      }),
      { numRuns: 300 },
    );
  });
});
