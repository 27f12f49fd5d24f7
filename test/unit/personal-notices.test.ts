import { describe, expect, it } from 'vitest';
import { noticesOf } from '../../server/notify/personal-notices.js';
import { longHolds, reminderOf } from '../../server/notify/reminders.js';
import { mailOf } from '../../server/notify/mail-outbox.js';
import { parseDuration } from '../../shared/durations.js';
import type { ActivityEvent, LockInfo } from '../../shared/protocol.js';

const entry = (e: Partial<ActivityEvent>): ActivityEvent => ({ id: 'x', at: '2026-12-07T10:00:00.000Z', type: 'checkout', filename: 'PN1.mcam', user: 'alice', message: null, source: 'api', ...e });

describe('personal notices of an activity entry', () => {
  const lock: LockInfo = { user: 'alice', timestamp: '2026-12-07T09:00:00.000Z', message: '', queue: [{ user: 'bob', since: 'x', message: '' }, { user: 'carol', since: 'x', message: '' }] };
  it('a hand-off to its new holder; a plain check-out to nobody', () => {
    expect(noticesOf(entry({ handoff: true, user: 'bob', previous_user: 'alice' }), () => null)).toMatchObject([{ kind: 'handoff', user: 'bob', title: 'PN1.mcam is yours now' }]);
    expect(noticesOf(entry({}), () => null)).toEqual([]);
  });
  it('a state change to the holder and everyone waiting, not to whoever made it', () => {
    const n = noticesOf(entry({ type: 'state_changed', user: 'carol', state: 'proven', revision: 'B', message: 'ran on the Mazak' }), () => lock);
    expect(n.map((x) => x.user)).toEqual(['alice', 'bob']);
    expect(n[0]).toMatchObject({ kind: 'state', title: 'PN1.mcam is now proven (revision B)', body: 'By carol: ran on the Mazak' });
  });
  it('a forced release of one\'s own lock (an admin checking in their own) tells nobody', () => {
    expect(noticesOf(entry({ type: 'force_release', user: 'boss', previous_user: 'boss' }), () => null)).toEqual([]);
  });
});

describe('reminders', () => {
  const now = Date.parse('2026-12-10T10:00:00.000Z');
  it('holds longer than the limit or past their until, longest first', () => {
    const holds = longHolds({ 'a.mcam': { user: 'a', timestamp: '2026-12-09T10:00:00.000Z', message: '' }, 'b.mcam': { user: 'b', timestamp: '2026-12-01T10:00:00.000Z', message: '' }, 'c.mcam': { user: 'c', timestamp: '2026-12-10T09:00:00.000Z', message: '', until: '2026-12-10T09:30:00.000Z' } }, now, 3 * 86_400_000);
    expect(holds.map((h) => [h.filename, h.overdue])).toEqual([['b.mcam', false], ['c.mcam', true]]);
    expect(reminderOf(holds[0]!, now).body).toMatch(/^You have held b\.mcam for 9 d 0 h\./);
  });
  it('--remind-after takes a number and a unit', () => {
    expect([parseDuration('3d'), parseDuration('90m'), parseDuration('12h'), parseDuration('3'), parseDuration('1w')]).toEqual([3 * 86_400_000, 5_400_000, 43_200_000, null, null]);
  });
  it('mail bodies escape what people typed', () => {
    const m = mailOf([{ kind: 'nudge', user: 'a', filename: '<b>.mcam', title: 'x <script>', body: 'a & b', at: '' }], (f) => `http://h/?file=${encodeURIComponent(f)}`);
    expect(m.html).not.toContain('<script>');
    expect(m.html).toContain('a &#38; b');
    expect(m.text).toContain('x <script>');
  });
});
