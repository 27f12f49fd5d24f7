import { describe, expect, it } from 'vitest';
import type { LockInfo, QueueEntry } from '../../shared/protocol.js';
import { handOff, MAX_UNTIL_MS, queueOf, untilProblem, withQueue } from '../../server/files/queue.js';

// A hand edit may put anything in `queue`: the records are built as such on purpose.
const lock = (user: string, queue?: unknown): LockInfo => ({ user, timestamp: '2026-12-01T10:00:00.000Z', message: 'm', ...(queue !== undefined ? { queue: queue as QueueEntry[] } : {}), id: 'lfs-1' });
const w = (user: string, message = '') => ({ user, since: '2026-12-01T11:00:00.000Z', message });

describe('queue rules', () => {
  it('reads a queue: none is [], a list of {user} records is kept, anything else is unreadable (null)', () => {
    expect(queueOf(null)).toEqual([]);
    expect(queueOf(lock('a'))).toEqual([]);
    expect(queueOf(lock('a', [w('b', 'x'), { user: 'c' }]))).toEqual([w('b', 'x'), { user: 'c', since: '', message: '' }]);
    for (const bad of ['everyone', 5, {}, [null], [{ name: 'b' }], [{ user: '' }], [{ user: 7 }]]) expect(queueOf(lock('a', bad)), JSON.stringify(bad)).toBeNull();
  });

  it('hands over to the first known waiter with the rest of the queue; nobody waiting or unreadable: null', () => {
    const released = lock('alice', [w('bob', 'ops'), w('carol'), w('dan')]);
    expect(handOff(released, 'T', () => true)).toEqual({ user: 'bob', timestamp: 'T', message: 'ops', handed_over_from: 'alice', queue: [w('carol'), w('dan')] });
    expect(handOff(released, 'T', (u) => u !== 'bob')).toMatchObject({ user: 'carol', queue: [w('dan')] });
    expect(handOff(lock('alice', [w('bob')]), 'T', () => true)).toEqual({ user: 'bob', timestamp: 'T', message: '', handed_over_from: 'alice' });
    expect(handOff(lock('alice'), 'T', () => true)).toBeNull();
    expect(handOff(lock('alice', 'oops'), 'T', () => true)).toBeNull();
    expect(handOff(lock('alice', [w('alice'), w('bob')]), 'T', () => true)).toMatchObject({ user: 'bob' });
    expect(handOff(lock('alice', [w('x')]), 'T', () => false)).toBeNull();
  });

  it('withQueue keeps the other fields and drops an empty queue', () => {
    expect(withQueue(lock('a', [w('b')]), [])).toEqual({ user: 'a', timestamp: '2026-12-01T10:00:00.000Z', message: 'm', id: 'lfs-1' });
    expect(withQueue(lock('a'), [w('b')])).toMatchObject({ id: 'lfs-1', queue: [w('b')] });
  });

  it('until: ISO, in the future, within 365 days', () => {
    const now = Date.parse('2026-12-02T10:00:00Z');
    expect(untilProblem('2026-12-02T16:00:00Z', now)).toBeNull();
    expect(untilProblem('2026-12-02T16:00:00.000+01:00', now)).toBeNull();
    expect(untilProblem('2026-12-02T09:00:00Z', now)).toMatch(/future/);
    expect(untilProblem(new Date(now + MAX_UNTIL_MS + 1000).toISOString(), now)).toMatch(/365/);
    expect(untilProblem('tomorrow', now)).toMatch(/ISO/);
    expect(untilProblem('2026-12-02', now)).toMatch(/ISO/);
  });
});
