import { appendFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ActivityLog, makeActivity } from '../../server/activity/activity-log.js';
import { appendDurablySync } from '../../server/storage/durable-files.js';

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

describe('ActivityLog.adopt: the entries of a commit of this server, without reading them back', () => {
  const entry = (i: number) => makeActivity({ type: 'checkout', filename: `F${i}.mcam`, user: 'u', message: null, source: 'api' });
  const lines = (es: ReturnType<typeof entry>[]) => es.map((e) => JSON.stringify(e) + '\n').join('');
  /** An empty log in a temp folder, and the ids of what it tells, in order. */
  async function openLog() {
    const file = join(await mkdtemp(join(tmpdir(), 'pdm-act-')), 'activity.jsonl');
    const log = new ActivityLog(file);
    await log.open();
    const told: string[] = [];
    log.sendTo((e) => told.push(e.id));
    return { file, log, told };
  }

  it('takes the entries as given when nothing came between, and pages on from the right offsets', async () => {
    const { file, log, told } = await openLog();
    const mine = [entry(1), entry(2)];
    // What the commit thread wrote has the same length; its ids differ, so a read-back would show.
    const written = [entry(1), entry(2)].map((e, i) => ({ ...e, id: mine[i]!.id.replace(/./g, 'x') }));
    const at = appendDurablySync(file, lines(written));
    await log.adopt(mine, at, mine.map((e) => Buffer.byteLength(JSON.stringify(e)) + 1));
    expect(told).toEqual(mine.map((e) => e.id));
    // The offsets it kept are those of the file: the next append is read from where it starts.
    const next = entry(3);
    appendDurablySync(file, lines([next]));
    await log.poll();
    expect(told).toEqual([...mine.map((e) => e.id), next.id]);
  });

  it('reads the file instead when another server appended in between, in the file order', async () => {
    const { file, log, told } = await openLog();
    const other = entry(1);
    appendDurablySync(file, lines([other]));
    const mine = [entry(2)];
    const at = appendDurablySync(file, lines(mine));
    await log.adopt(mine, at, mine.map((e) => Buffer.byteLength(JSON.stringify(e)) + 1));
    expect(told).toEqual([other.id, mine[0]!.id]);
    expect((await log.query(10)).map((e) => e.id)).toEqual([other.id, mine[0]!.id]);
  });
});
