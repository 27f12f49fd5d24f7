import { appendFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ActivityLog, makeActivity } from '../../server/activity/activity-log.js';

describe('ActivityLog beyond its in-memory window', () => {
  it('answers a limit larger than the window, and an `after` older than it, from the file', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'pdm-act-')), 'activity.jsonl');
    const events = Array.from({ length: 5000 }, (_, i) => makeActivity({ type: 'checkout', filename: `F${i}.mcam`, user: 'u', message: null, source: 'api' }));
    await appendFile(file, events.map((e) => JSON.stringify(e) + '\n').join(''));
    const log = new ActivityLog(file);
    await log.open();
    const last = await log.query(4000);
    expect(last).toHaveLength(4000);
    expect(last[0]!.id).toBe(events[1000]!.id);
    expect(last.at(-1)!.id).toBe(events[4999]!.id);
    const after = await log.query(10, events[5]!.id);
    expect(after.map((e) => e.id)).toEqual(events.slice(6, 16).map((e) => e.id));
    expect((await log.query(100)).map((e) => e.id)).toEqual(events.slice(4900).map((e) => e.id));
  });
});
