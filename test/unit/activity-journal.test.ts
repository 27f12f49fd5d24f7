import { describe, expect, it } from 'vitest';
import { lockActivities, unrecordedDrift } from '../../server/activity/activity-journal.js';
import { makeActivity } from '../../server/activity/activity-log.js';
import type { LockChange } from '../../server/locks/lock-diff.js';

const lock = (user: string, message = '') => ({ user, timestamp: '2026-12-01T10:00:00.000Z', message });
const checkout = (user: string, message = '') => makeActivity({ type: 'checkout', filename: 'a.mcam', user, message: message || null, source: 'api' });
const checkin = (user: string) => makeActivity({ type: 'checkin', filename: 'a.mcam', user, message: null, source: 'api', previous_user: user });

describe('drift told from what the activity log last recorded', () => {
  it('a file held in an old journaled copy, released and taken again in the log, held on disk: nothing to record', () => {
    const c: LockChange = { filename: 'a.mcam', before: lock('u', 'first'), after: lock('u', 'third') };
    expect(unrecordedDrift(c, checkout('u', 'third'))).toBeNull();
  });

  it('the same, but the last check-out was not logged (killed between the rename and the append): a check-out, not an edit', () => {
    const c: LockChange = { filename: 'a.mcam', before: lock('u', 'first'), after: lock('u', 'third') };
    const d = unrecordedDrift(c, checkin('u'));
    expect(d?.before).toBeNull();
    expect(lockActivities([], [d!]).map((e) => e.type)).toEqual(['checkout']);
  });

  it('held in the copy and in the log, free on disk: a check-in of the holder the log knows', () => {
    const c: LockChange = { filename: 'a.mcam', before: lock('old'), after: null };
    const [e] = lockActivities([], [unrecordedDrift(c, checkout('u'))!]);
    expect(e).toMatchObject({ type: 'checkin', previous_user: 'u' });
  });

  it('free in the log and on disk: nothing to record, whatever the copy says', () => {
    expect(unrecordedDrift({ filename: 'a.mcam', before: lock('old'), after: null }, checkin('u'))).toBeNull();
  });

  it('a hand edit of the message of a logged lock is an edit; with no log entry the copy decides', () => {
    const edit: LockChange = { filename: 'a.mcam', before: lock('dave', 'by hand'), after: lock('dave', 'edited') };
    expect(lockActivities([], [unrecordedDrift(edit, checkout('dave', 'by hand'))!]).map((e) => e.type)).toEqual(['lock_edited']);
    expect(unrecordedDrift(edit, undefined)).toBe(edit);
  });
});
