import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, startServer, type TestServer } from '../support/server.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';

describe('activity log: each lock change once', () => {
  let vault: TempVault;
  let server: TestServer;
  beforeEach(async () => {
    vault = await makeVault();
    server = await startServer(vault);
  });
  afterEach(async () => {
    await server.close();
    await vault.cleanup();
  });

  const lockEntries = async () =>
    (await api(server.url, '/api/activity')).body.events
      .filter((e: any) => ['checkout', 'checkin', 'force_release', 'lock_edited'].includes(e.type))
      .map((e: any) => `${e.type} ${e.filename} ${e.user} ${e.source}`)
      .sort();

  it('a change logged but missing from the journaled copy (a kill between the two) is not logged again', async () => {
    await api(server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice', message: 'roughing' } });
    await api(server.url, '/api/files/checkout', { json: { filename: 'PN1002.mcam', user: 'bob' } });
    await api(server.url, '/api/files/checkin', { json: { filename: 'PN1002.mcam', user: 'bob' } });
    await server.app.store.settled();
    // The copy as it was before those commits, as a server killed right after its log append leaves it.
    await writeFile(join(vault.dataDir, 'locks.journaled.json'), '{}\n');
    // A genuine hand edit at the same time must still be logged, once, as a disk change.
    const onDisk = { ...server.app.store.snapshot(), 'PN1003.vnc': { user: 'carol', timestamp: new Date().toISOString(), message: 'by hand' } };
    await writeFile(vault.locksFile, JSON.stringify(onDisk, null, 2) + '\n');
    await server.app.store.refresh();
    await server.app.store.refresh();
    await server.app.store.settled();
    expect(await lockEntries()).toEqual([
      'checkin PN1002.mcam bob api',
      'checkout PN1001.mcam alice api',
      'checkout PN1002.mcam bob api',
      'checkout PN1003.vnc carol disk',
    ]);
  });
});
