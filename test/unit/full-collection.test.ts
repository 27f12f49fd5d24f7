import { afterEach, describe, expect, it, vi } from 'vitest';
import { getHeapStatistics } from 'node:v8';
import { collectPeriodically, collectWhenGrown, heapFigures } from '../../server/threads/start-worker.js';

describe('the periodic full collection', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs every 30 s and reports how long the last one took', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    expect(heapFigures().gc_ms).toBeNull();
    collectPeriodically();
    vi.advanceTimersByTime(29_999);
    expect(heapFigures().gc_ms).toBeNull();
    vi.advanceTimersByTime(1);
    const first = heapFigures().gc_ms;
    expect(typeof first).toBe('number');
    expect(first).toBeGreaterThan(0);
  });

  it('on the main thread, runs once the heap holds half again what was live, plus 16 MB, and not before', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    collectWhenGrown();
    const before = heapFigures().gc_ms;
    vi.advanceTimersByTime(1000);
    // Nothing has grown yet: no collection.
    expect(heapFigures().gc_ms).toBe(before);
    // Objects that outlived the young generation and were then let go, as a connection's are.
    const holder: { held: Array<{ n: number; s: string }> | null } = { held: Array.from({ length: 1_500_000 }, (_, n) => ({ n, s: `x${n}` })) };
    const grown = getHeapStatistics().used_heap_size;
    expect(holder.held?.length).toBe(1_500_000);
    holder.held = null;
    vi.advanceTimersByTime(1000);
    expect(typeof heapFigures().gc_ms).toBe('number');
    expect(getHeapStatistics().used_heap_size).toBeLessThan(grown - 32 * 2 ** 20);
  });
});
