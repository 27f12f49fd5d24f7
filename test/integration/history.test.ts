import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { api, eventually, startServer, serverPerTest } from '../support/server.js';
import { afterEverythingBefore, connect } from '../support/sockets.js';

describe('undo check-out, per-file history and the searchable activity log', () => {
  const t = serverPerTest({ admins: ['boss'] });
  const post = (path: string, json: unknown) => api(t.server.url, path, { json });
  const content = (name: string) => readFile(join(t.vault.root, name), 'utf8');

  it('undo check-out puts back the content at check-out, then releases; unchanged content is just released', async () => {
    const before = await content('PN1001.mcam');
    expect((await post('/api/files/checkout', { filename: 'PN1001.mcam', message: 'try', user: 'alice' })).status).toBe(200);
    // The content at check-out is recorded in the background (a save a moment later is later work).
    await eventually(async () => (await api(t.server.url, '/api/files/PN1001.mcam/versions')).body.versions.length > 0);
    // A save in place, and an upload: both are undone.
    await writeFile(join(t.vault.root, 'PN1001.mcam'), 'saved over\n');
    await eventually(async () => (await api(t.server.url, '/api/files/PN1001.mcam/versions')).body.versions.some((v: any) => v.user === 'alice'), 5000, JSON.stringify(await api(t.server.url, '/api/files/PN1001.mcam/versions')));
    expect((await api(t.server.url, '/api/files/PN1001.mcam/content', { method: 'PUT', body: 'uploaded\n', headers: { 'x-pdm-user': 'alice' } })).status).toBe(200);

    // Only the holder: bob is refused, an admin too (revert is not a force), nothing changes.
    expect((await post('/api/files/checkin', { filename: 'PN1001.mcam', revert: true, user: 'bob' })).body.code).toBe('NOT_LOCK_OWNER');
    expect((await post('/api/files/checkin', { filename: 'PN1001.mcam', revert: true, force: true, user: 'boss' })).status).toBe(400);
    expect(await content('PN1001.mcam')).toBe('uploaded\n');

    const undo = await post('/api/files/checkin', { filename: 'PN1001.mcam', revert: true, user: 'alice' });
    expect(undo.status).toBe(200);
    expect(undo.body).toMatchObject({ success: true, reverted: true, file: { name: 'PN1001.mcam', status: 'available' } });
    expect(await content('PN1001.mcam')).toBe(before);
    // The undone work is kept as a version.
    const versions = (await api(t.server.url, '/api/files/PN1001.mcam/versions')).body.versions as Array<{ user: string | null; comment: string | null }>;
    expect(versions[0]).toMatchObject({ user: 'alice', comment: expect.stringContaining('undo check-out') });

    const log = (await api(t.server.url, '/api/activity?type=undo_checkout')).body.events;
    expect(log).toEqual([expect.objectContaining({ type: 'undo_checkout', filename: 'PN1001.mcam', user: 'alice' })]);

    // Unchanged: released, reverted false, over a socket too.
    const alice = await connect(t.server.url, 'alice');
    try {
      expect(await alice.socket.emitWithAck('checkout', { filename: 'PN1002.mcam' })).toMatchObject({ ok: true });
      expect(await alice.socket.emitWithAck('checkin', { filename: 'PN1002.mcam', revert: true })).toMatchObject({ ok: true, reverted: false, file: { status: 'available' } });
    } finally {
      alice.close();
    }
    // Not checked out: nothing to undo.
    expect((await post('/api/files/checkin', { filename: 'PN1003.vnc', revert: true, user: 'alice' })).body.code).toBe('NOT_LOCKED');
  });

  it('a revert with no version recorded at check-out is refused and changes nothing', async () => {
    // One version kept per file: carol's save prunes the content from before her check-out.
    await t.server.close();
    t.server = await startServer(t.vault, { keepVersions: 1 });
    expect((await post('/api/files/checkout', { filename: 'PN1003.vnc', user: 'carol' })).status).toBe(200);
    await eventually(async () => (await api(t.server.url, '/api/files/PN1003.vnc/versions')).body.versions.length > 0);
    await writeFile(join(t.vault.root, 'PN1003.vnc'), 'carol saved\n');
    await eventually(async () => (await api(t.server.url, '/api/files/PN1003.vnc/versions')).body.versions[0]?.user === 'carol');
    const r = await post('/api/files/checkin', { filename: 'PN1003.vnc', revert: true, user: 'carol' });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('UNDO_UNAVAILABLE');
    expect((await api(t.server.url, '/api/files/PN1003.vnc')).body.locked_by).toBe('carol');
    expect(await content('PN1003.vnc')).toBe('carol saved\n');
  });

  it('history: holds newest first with how each ended, and statistics over all of them', async () => {
    const name = 'customer-a/PN2002.vnc';
    await post('/api/files/checkout', { filename: name, message: 'first', user: 'alice' });
    await post('/api/files/checkin', { filename: name, comment: 'done 1', user: 'alice' });
    await post('/api/files/checkout', { filename: name, message: 'second', user: 'bob' });
    await post('/api/files/wait', { filename: name, message: 'me next', user: 'carol' });
    await post('/api/files/checkin', { filename: name, comment: 'over to carol', user: 'bob' }); // hand-off
    await post('/api/files/checkin', { filename: name, force: true, reason: 'carol is away', user: 'boss' });
    await post('/api/files/checkout', { filename: name, message: 'current', user: 'alice' });

    const h = await api(t.server.url, `/api/files/${encodeURIComponent(name)}/history`);
    expect(h.status).toBe(200);
    expect(h.body.holds.map((x: any) => [x.user, x.message, x.comment, x.ended, x.to === null])).toEqual([
      ['alice', 'current', null, null, true],
      ['carol', 'me next', 'carol is away', 'force_release', false],
      ['bob', 'second', 'over to carol', 'handoff', false],
      ['alice', 'first', 'done 1', 'checkin', false],
    ]);
    expect(h.body.stats).toMatchObject({ holds: 4, holders: { alice: 2, bob: 1, carol: 1 } });
    for (const k of ['median_hold_s', 'p90_hold_s', 'longest_hold_s']) expect(h.body.stats[k]).toBeGreaterThanOrEqual(0);
    expect(h.body.stats.longest_hold_s).toBeGreaterThanOrEqual(h.body.stats.median_hold_s);
    expect((await api(t.server.url, `/api/files/${encodeURIComponent(name)}/history?limit=1`)).body.holds).toHaveLength(1);

    // A lock removed by hand ends its hold as `disk`.
    await writeFile(t.vault.locksFile, '{}');
    await eventually(async () => (await api(t.server.url, `/api/files/${encodeURIComponent(name)}/history`)).body.holds[0].ended === 'disk');

    // Never held: empty; bad names and limits: refused.
    expect((await api(t.server.url, '/api/files/PN1003.vnc/history')).body).toEqual({ holds: [], stats: { holds: 0, median_hold_s: null, p90_hold_s: null, longest_hold_s: null, holders: {} } });
    expect((await api(t.server.url, '/api/files/nope.mcam/history')).status).toBe(404);
    expect((await api(t.server.url, '/api/files/PN1001.mcam/history?limit=0')).status).toBe(400);
    const traversal = await api(t.server.url, '/api/files/..%2F..%2Fetc%2Fpasswd.mcam/history');
    expect([traversal.status, traversal.body.code]).toEqual([400, 'INVALID_REQUEST']);
  });

  it('history comes from every server sharing the data folder, and survives a restart through the index beside the log', async () => {
    const other = await startServer(t.vault, { admins: ['boss'] });
    try {
      await api(other.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', message: 'on the other', user: 'dave' } });
      await api(other.url, '/api/files/checkin', { json: { filename: 'PN1001.mcam', user: 'dave' } });
      await post('/api/files/checkout', { filename: 'PN1001.mcam', message: 'here', user: 'erin' });
      await eventually(async () => (await api(other.url, '/api/files/PN1001.mcam/history')).body.holds.length === 2);
      expect((await api(t.server.url, '/api/files/PN1001.mcam/history')).body.holds.map((x: any) => x.user)).toEqual(['erin', 'dave']);
    } finally {
      await other.close();
    }
    await t.server.close();
    const index = JSON.parse(await readFile(join(t.vault.dataDir, 'activity.index.json'), 'utf8'));
    expect(index).toMatchObject({ v: 1, index: { files: { 'PN1001.mcam': expect.any(Array) } } });
    t.server = await startServer(t.vault, { admins: ['boss'] });
    expect((await api(t.server.url, '/api/files/PN1001.mcam/history')).body.holds.map((x: any) => [x.user, x.message])).toEqual([['erin', 'here'], ['dave', 'on the other']]);
    // Entries after the checkpoint are read on top of it.
    await post('/api/files/checkin', { filename: 'PN1001.mcam', user: 'erin' });
    expect((await api(t.server.url, '/api/files/PN1001.mcam/history')).body.holds[0]).toMatchObject({ user: 'erin', ended: 'checkin' });
    // The recent entries are there for the feed after a start from the checkpoint.
    expect((await api(t.server.url, '/api/activity?limit=3')).body.events.map((e: any) => e.type)).toEqual(['checkin', 'checkout', 'checkin']);
  });

  it('activity: filters, backwards paging, CSV, and bad filters refused', async () => {
    for (let i = 0; i < 5; i++) {
      await post('/api/files/checkout', { filename: 'PN1001.mcam', message: `round ${i}`, user: i % 2 ? 'bob' : 'alice' });
      await post('/api/files/checkin', { filename: 'PN1001.mcam', user: i % 2 ? 'bob' : 'alice' });
    }
    await post('/api/files/checkout', { filename: 'PN1002.mcam', message: '=HYPERLINK("x"), "quoted"', user: 'alice' });
    const q = (s: string) => api(t.server.url, `/api/activity?${s}`);

    const alice = (await q('user=alice&type=checkout')).body.events;
    expect(alice.map((e: any) => e.message)).toEqual(['round 0', 'round 2', 'round 4', '=HYPERLINK("x"), "quoted"']);
    expect((await q('filename=PN1002.mcam')).body.events).toHaveLength(1);
    expect((await q('type=checkin,checkout&filename=PN1001.mcam')).body.events).toHaveLength(10);
    // match=part: part of the name or person, any case and width (the page's filters); exact by default.
    expect((await q('filename=pn100&type=checkout')).body.events).toHaveLength(0);
    expect((await q('filename=pn100&type=checkout&match=part')).body.events).toHaveLength(6);
    expect((await q('user=%EF%BC%A1LI&type=checkout&match=part')).body.events).toHaveLength(4);
    expect((await q('match=fuzzy')).status).toBe(400);

    // Backwards: pages of 3, oldest first within a page, no gaps or repeats.
    const seen: string[] = [];
    let page = (await q('filename=PN1001.mcam&limit=3')).body.events;
    for (let i = 0; i < 10 && page.length > 0; i++) {
      seen.unshift(...page.map((e: any) => e.id));
      page = (await q(`filename=PN1001.mcam&limit=3&before=${page[0].id}`)).body.events;
    }
    const all = (await q('filename=PN1001.mcam&limit=100')).body.events.map((e: any) => e.id);
    expect(seen).toEqual(all);

    // Time window.
    const events = (await q('limit=1000')).body.events;
    const mid = events[5].at;
    expect((await q(`since=${encodeURIComponent(mid)}`)).body.events.every((e: any) => e.at >= mid)).toBe(true);
    expect((await q(`until=${encodeURIComponent(mid)}`)).body.events.every((e: any) => e.at <= mid)).toBe(true);

    // CSV: the header, quoting, and formulas defused.
    const csv = await q('format=csv&filename=PN1002.mcam');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (csv.body as string).trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,at,type,filename,user,message,source');
    expect(lines[1]).toContain(`,checkout,PN1002.mcam,alice,"'=HYPERLINK(""x""), ""quoted""",api`);

    for (const bad of ['since=yesterday', 'format=csv&since=2026-02-30T25:00:00Z', 'until=2026-13-45', 'type=checkout,nope', 'limit=1001&user=alice', 'before=a&after=b', 'format=xml', 'user=a&user=b']) {
      const r = await q(bad);
      expect(r.status, bad).toBe(400);
      expect(r.body.code, bad).toBe('INVALID_REQUEST');
    }
    // Unknown id in before: nothing older is known.
    expect((await q('before=no-such-id')).body.events).toEqual([]);
  });

  it('GET /api/session names the share path Copy path uses', async () => {
    expect((await api(t.server.url, '/api/session')).body.share_path).toBe(t.vault.root);
    const other = await startServer(t.vault, { sharePath: '\\\\cam-server\\programs' });
    try {
      expect((await api(other.url, '/api/session')).body.share_path).toBe('\\\\cam-server\\programs');
    } finally {
      await other.close();
    }
  });

  it('an upload is the holder\'s own change: file:changed carries by, and the log has no change on disk', async () => {
    await post('/api/files/checkout', { filename: 'PN1003.vnc', user: 'alice' });
    await eventually(async () => (await api(t.server.url, '/api/files/PN1003.vnc/versions')).body.versions.length > 0);
    const watcher = await connect(t.server.url, 'alice');
    try {
      const from = (await api(t.server.url, '/api/activity')).body.events.length;
      expect((await api(t.server.url, '/api/files/PN1003.vnc/content', { method: 'PUT', body: 'uploaded', headers: { 'x-pdm-user': 'alice' } })).status).toBe(200);
      const changed = await watcher.waitFor('file:changed', (d) => d.file.name === 'PN1003.vnc');
      expect(changed).toMatchObject({ by: 'alice', version: expect.any(Number) });
      await afterEverythingBefore(t.vault, watcher); // a second, disk event would have come by now
      const after = (await api(t.server.url, '/api/activity')).body.events.slice(from).filter((e: any) => e.filename === 'PN1003.vnc');
      expect(after.map((e: any) => [e.type, e.source, e.user])).toEqual([['file_changed', 'api', 'alice'], ['version_added', 'api', 'alice']]);
      expect(watcher.received.filter((r) => r.event === 'file:changed' && r.data.file.name === 'PN1003.vnc' && !r.data.by)).toEqual([]);
    } finally {
      watcher.close();
    }
  });
});
