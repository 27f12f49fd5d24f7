import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { api, serverPerTest } from '../support/server.js';

describe('activity log: each lock change once', () => {
  const t = serverPerTest();

  const lockEntries = async () =>
    (await api(t.server.url, '/api/activity')).body.events
      .filter((e: any) => ['checkout', 'checkin', 'force_release', 'lock_edited'].includes(e.type))
      .map((e: any) => `${e.type} ${e.filename} ${e.user} ${e.source}`)
      .sort();

  it('a change logged but missing from the journaled copy (a kill between the two) is not logged again', async () => {
    await api(t.server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice', message: 'roughing' } });
    await api(t.server.url, '/api/files/checkout', { json: { filename: 'PN1002.mcam', user: 'bob' } });
    await api(t.server.url, '/api/files/checkin', { json: { filename: 'PN1002.mcam', user: 'bob' } });
    await t.server.app.store.settled();
    // The copy as it was before those commits, as a server killed right after its log append leaves it.
    await writeFile(join(t.vault.dataDir, 'locks.journaled.json'), '{}\n');
    // A genuine hand edit at the same time must still be logged, once, as a disk change.
    const onDisk = { ...t.server.app.store.snapshot(), 'PN1003.vnc': { user: 'carol', timestamp: new Date().toISOString(), message: 'by hand' } };
    await writeFile(t.vault.locksFile, JSON.stringify(onDisk, null, 2) + '\n');
    await t.server.app.store.refresh();
    await t.server.app.store.refresh();
    await t.server.app.store.settled();
    expect(await lockEntries()).toEqual([
      'checkin PN1002.mcam bob api',
      'checkout PN1001.mcam alice api',
      'checkout PN1002.mcam bob api',
      'checkout PN1003.vnc carol disk',
    ]);
  });
});
