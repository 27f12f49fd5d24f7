import { describe, expect, it } from 'vitest';
import { HoldIndex, KEPT_HOLDS, statsOf } from '../../server/activity/hold-index.js';
import type { ActivityEvent } from '../../shared/protocol.js';
import { makeActivity } from '../../server/activity/activity-log.js';
import { activityCsv } from '../../server/activity/activity-search.js';
import { sharePathOf } from '../../shared/share-path.js';

describe('share paths, hold statistics, CSV', () => {
  it('joins the share prefix and a vault name, with backslashes for Windows and UNC prefixes', () => {
    expect(sharePathOf('\\\\cam-server\\programs', 'customer-a/PN2001.mcam')).toBe('\\\\cam-server\\programs\\customer-a\\PN2001.mcam');
    expect(sharePathOf('\\\\cam-server\\programs\\', 'PN1.mcam')).toBe('\\\\cam-server\\programs\\PN1.mcam');
    expect(sharePathOf('P:', 'a/b.vnc')).toBe('P:\\a\\b.vnc');
    expect(sharePathOf('/srv/cam/', 'a/b.vnc')).toBe('/srv/cam/a/b.vnc');
    expect(sharePathOf('smb://nas/cam', 'b.vnc')).toBe('smb://nas/cam/b.vnc');
  });

  it('statistics: nearest-rank median and p90 over ended holds; the current one only counted', () => {
    const h = (user: string, s: number | null) => ({ user, from: 0, to: s === null ? null : s * 1000 });
    const s = statsOf([h('a', 10), h('b', 20), h('a', 30), h('c', 40), h('a', null)]);
    expect(s).toEqual({ holds: 5, median_hold_s: 20, p90_hold_s: 40, longest_hold_s: 40, holders: { a: 3, b: 1, c: 1 } });
    expect(statsOf([])).toMatchObject({ holds: 0, median_hold_s: null });
    expect(Object.getPrototypeOf(statsOf([h('__proto__', 1)]).holders)).toBeNull();
  });

  it('the index follows hand-offs, edits on disk and a checkpoint round trip', async () => {
    const idx = new HoldIndex();
    const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString();
    const entries = [
      makeActivity({ type: 'checkout', filename: 'F.mcam', user: 'a', message: 'one', source: 'api', at: at(0) }),
      makeActivity({ type: 'checkin', filename: 'F.mcam', user: 'a', message: null, source: 'api', at: at(5) }),
      makeActivity({ type: 'checkout', filename: 'F.mcam', user: 'b', message: null, source: 'api', at: at(5), handoff: true }),
      makeActivity({ type: 'lock_edited', filename: 'F.mcam', user: 'c', message: null, source: 'disk', at: at(9) }),
      makeActivity({ type: 'checkin', filename: 'F.mcam', user: 'c', message: null, source: 'disk', at: at(10) }),
    ];
    entries.forEach((e, i) => idx.add(e, i * 100));
    const read = (offsets: number[]) => Promise.resolve(new Map(offsets.map((o) => [o, entries[o / 100]!])));
    const h = await idx.history('F.mcam', 10, read);
    expect(h.holds.map((x) => [x.user, x.ended])).toEqual([['c', 'disk'], ['b', 'disk'], ['a', 'handoff']]);
    expect(h.stats.longest_hold_s).toBe(300);
    const copy = new HoldIndex();
    expect(copy.restore(JSON.parse(JSON.stringify(idx.checkpoint())))).toBe(true);
    expect(await copy.history('F.mcam', 10, read)).toEqual(h);
    expect(copy.restore({ files: { 'F.mcam': [['a', 'x']] } })).toBe(false);
  });

  it('#14 the index is bounded: past KEPT_HOLDS a file\'s oldest holds are folded into counts (exact) and 1% duration buckets, through a checkpoint too', async () => {
    const idx = new HoldIndex(10);
    const entries: ActivityEvent[] = [];
    for (let i = 0; i < 25; i++) {
      const from = Date.UTC(2026, 0, 1) + i * 3_600_000;
      const user = i % 2 ? 'alice' : '__proto__';
      entries.push(makeActivity({ type: 'checkout', filename: 'F.mcam', user, message: `m${i}`, source: 'api', at: new Date(from).toISOString() }));
      entries.push(makeActivity({ type: 'checkin', filename: 'F.mcam', user, message: null, source: 'api', at: new Date(from + (i + 1) * 60_000).toISOString() }));
    }
    entries.forEach((e, i) => idx.add(e, i * 100));
    expect(idx.checkpoint().files['F.mcam']).toHaveLength(10);
    const read = (offsets: number[]) => Promise.resolve(new Map(offsets.map((o) => [o, entries[o / 100]!])));
    const h = await idx.history('F.mcam', 1000, read);
    expect(h.holds).toHaveLength(10);
    expect(h.holds[0]!.message).toBe('m24');
    expect(h.stats.holds).toBe(25);
    expect({ ...h.stats.holders }).toEqual(JSON.parse('{"alice":12,"__proto__":13}'));
    expect(h.stats.longest_hold_s).toBe(25 * 60);
    // Exact: 13 minutes (the median of 1..25); within 1% from the buckets.
    expect(Math.abs(h.stats.median_hold_s! - 13 * 60)).toBeLessThanOrEqual(13 * 60 * 0.01);
    expect(Math.abs(h.stats.p90_hold_s! - 23 * 60)).toBeLessThanOrEqual(23 * 60 * 0.01);
    const copy = new HoldIndex(10);
    expect(copy.restore(JSON.parse(JSON.stringify(idx.checkpoint())))).toBe(true);
    expect(await copy.history('F.mcam', 1000, read)).toEqual(h);
    expect(copy.restore({ files: {}, older: { 'F.mcam': { holds: 'x' } } })).toBe(false);
    expect(KEPT_HOLDS).toBe(1000);
  });

  it('CSV: RFC 4180 quoting and formulas defused', () => {
    const e = makeActivity({ type: 'checkout', filename: 'a,b.mcam', user: '@bob', message: 'say "hi"\nthen go', source: 'api', at: '2026-01-01T00:00:00.000Z' });
    const [head, line] = activityCsv([e]).split('\r\n');
    expect(head).toBe('id,at,type,filename,user,message,source');
    expect(line).toBe(`${e.id},2026-01-01T00:00:00.000Z,checkout,"a,b.mcam",'@bob,"say ""hi""\nthen go",api`);
  });
});
