import { afterEach, describe, expect, it, vi } from 'vitest';
import { collectPeriodically, heapFigures } from '../../server/threads/start-worker.js';

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
});
