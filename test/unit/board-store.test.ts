import { describe, expect, it, vi } from 'vitest';
import type { FileStatus, SnapshotPayload } from '../../shared/protocol.js';
import { BoardStore } from '../../web/state/board-store.js';

const file = (name: string, locked_by: string | null = null): FileStatus => ({
  name,
  size_bytes: 10,
  modified: '2026-11-22T10:00:00.000Z',
  status: locked_by ? 'checked_out' : 'available',
  locked_by,
  lock: locked_by ? { user: locked_by, timestamp: '2026-11-22T10:00:00.000Z', message: 'm' } : null,
  protected: false, queue: [], state: 'draft', revision: 'A', state_changed: null,
});
const health = { status: 'ok' as const, locks: 'ok' as const, detail: null, revision: 0 };
const snapshot = (revision: number, files: FileStatus[]): SnapshotPayload => ({ revision, files, locks: {}, health });
const lockEv = (revision: number, filename: string, user: string) => ({
  event: 'lock:acquired' as const,
  data: { revision, filename, lock: { user, timestamp: '2026-11-22T10:00:00.000Z', message: '' }, source: 'api' as const },
});

describe('BoardStore', () => {
  it('when a snapshot arrives, it replaces all state', () => {
    const s = new BoardStore();
    s.applySnapshot(snapshot(3, [file('a.mcam'), file('b.mcam')]));
    s.applySnapshot(snapshot(7, [file('c.mcam', 'bob')]));
    expect(s.fileList().map((f) => f.name)).toEqual(['c.mcam']);
    expect(s.revision).toBe(7);
  });

  it('when a revision is skipped, it asks for a sync once and does not guess', () => {
    const onGap = vi.fn();
    const s = new BoardStore({ onGap });
    s.applySnapshot(snapshot(1, [file('a.mcam'), file('b.mcam')]));
    s.applyEvent(lockEv(3, 'a.mcam', 'alice'));
    s.applyEvent(lockEv(4, 'b.mcam', 'alice'));
    expect(onGap).toHaveBeenCalledTimes(1);
    expect(s.files.get('a.mcam')!.status).toBe('available');
    s.applySnapshot(snapshot(4, [file('a.mcam', 'alice'), file('b.mcam', 'alice')]));
    s.applyEvent(lockEv(5, 'b.mcam', 'x'));
    expect(onGap).toHaveBeenCalledTimes(1);
  });

  it('ignores events already contained in the snapshot', () => {
    const s = new BoardStore({ onGap: () => { throw new Error('no gap expected'); } });
    s.applySnapshot(snapshot(5, [file('a.mcam')]));
    s.applyEvent(lockEv(5, 'a.mcam', 'late'));
    expect(s.files.get('a.mcam')!.locked_by).toBeNull();
  });

  it('applies a batch in order, as the events it contains', () => {
    const s = new BoardStore();
    s.applySnapshot(snapshot(0, [file('a.mcam')]));
    const listener = vi.fn();
    s.subscribe(listener);
    s.applyBatch({
      events: [
        lockEv(1, 'a.mcam', 'alice'),
        { event: 'lock:released', data: { revision: 2, filename: 'a.mcam', previous: { user: 'alice', timestamp: '', message: '' }, by: 'alice', forced: false, source: 'api' } },
        { event: 'file:added', data: { revision: 3, file: file('n.mcam') } },
        lockEv(4, 'n.mcam', 'bob'),
        { event: 'file:removed', data: { revision: 5, filename: 'a.mcam' } },
      ],
    });
    expect(listener).toHaveBeenCalledTimes(1);
    expect(s.revision).toBe(5);
    expect(s.fileList().map((f) => [f.name, f.locked_by])).toEqual([['n.mcam', 'bob']]);
  });

  it('tells the holder when someone else releases their lock', () => {
    const s = new BoardStore({ me: () => 'alice' });
    s.applySnapshot(snapshot(0, [file('a.mcam', 'alice')]));
    s.applyEvent({ event: 'lock:released', data: { revision: 1, filename: 'a.mcam', previous: { user: 'alice', timestamp: '', message: '' }, by: 'admin', forced: true, source: 'api' } });
    expect(s.notices.map((n) => n.text)).toEqual(['a.mcam: your lock was force-released by admin.']);
  });

  it('your own upload is no news to you; a save on disk is, and information notices go away by themselves', () => {
    vi.useFakeTimers();
    try {
      const s = new BoardStore({ me: () => 'alice' });
      s.applySnapshot(snapshot(0, [file('a.mcam', 'alice')]));
      s.applyEvent({ event: 'file:changed', data: { revision: 1, file: file('a.mcam', 'alice'), version: 2, by: 'alice' } });
      expect(s.notices).toEqual([]);
      s.applyEvent({ event: 'file:changed', data: { revision: 2, file: file('a.mcam', 'alice'), version: 3 } });
      expect(s.notices.map((n) => n.text)).toEqual(['a.mcam, which you hold, was saved on disk (version 3).']);
      vi.advanceTimersByTime(8000);
      expect(s.notices).toEqual([]);
      // About you: it stays.
      s.applyEvent({ event: 'lock:released', data: { revision: 3, filename: 'a.mcam', previous: { user: 'alice', timestamp: '', message: '' }, by: 'admin', forced: true, source: 'api' } });
      vi.advanceTimersByTime(60_000);
      expect(s.notices).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps the last 100 activity entries without duplicates', () => {
    const s = new BoardStore();
    const ev = (i: number) => ({ id: `e${i}`, at: new Date(1_700_000_000_000 + i).toISOString(), type: 'checkout' as const, filename: 'a.mcam', user: 'u', message: null, source: 'api' as const });
    s.addActivity(Array.from({ length: 150 }, (_, i) => ev(i)));
    s.addActivity([ev(149), ev(150)]);
    expect(s.activity).toHaveLength(100);
    expect(s.activity.at(-1)!.id).toBe('e150');
    expect(new Set(s.activity.map((a) => a.id)).size).toBe(100);
  });
});
