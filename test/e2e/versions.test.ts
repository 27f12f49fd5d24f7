import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consoleWatch, openPerson, row, pagesPerFile } from '../support/pages.js';
import { ROOT } from '../support/processes.js';

describe('versions in Chromium', () => {
  const t = pagesPerFile();
  const watch = consoleWatch();

  const person = (name: string) => openPerson(t.browser, t.server.url, name, watch);


  it('a new version uploaded through the check-in dialog, with its progress bar, shows live in the other browser', async () => {
    const a = await person('alice');
    const b = await person('bob');
    await row(a, 'PN1001.mcam').getByRole('button', { name: 'Check out' }).click();
    await a.getByLabel('Message').fill('new roughing pass');
    await a.getByRole('button', { name: 'Confirm check-out' }).click();
    await row(a, 'PN1001.mcam').getByRole('button', { name: 'Check in' }).click();
    await a.getByLabel('Comment').fill('Roughing pass 2');
    const bytes = Buffer.alloc(300 * 1024, 'G01 X1 Y1\n');
    await a.getByLabel('New version (optional)').setInputFiles({ name: 'PN1001.mcam', mimeType: 'application/octet-stream', buffer: bytes });
    // Hold the upload briefly so the progress bar can be seen.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await a.route('**/api/files/PN1001.mcam/content', async (route) => {
      await held;
      await route.continue();
    });
    await a.getByRole('button', { name: 'Confirm check-in' }).click();
    await a.getByRole('progressbar', { name: 'Upload progress' }).waitFor();
    await a.screenshot({ path: join(ROOT, 'test-results', 'checkin-upload.png') });
    release();
    await row(b, 'PN1001.mcam').getByText('Available').waitFor({ timeout: 5000 });
    await row(b, 'PN1001.mcam').getByText('300.0 KB').waitFor({ timeout: 5000 });
    await row(b, 'PN1001.mcam').getByRole('button', { name: 'Versions of PN1001.mcam' }).click();
    const panel = b.getByRole('dialog', { name: /Versions of/ });
    await panel.getByRole('row').filter({ hasText: 'Roughing pass 2' }).filter({ hasText: 'alice' }).waitFor();
    expect(await panel.getByRole('row').count()).toBe(3); // header + versions 2 and 1
    await b.screenshot({ path: join(ROOT, 'test-results', 'versions-panel.png') });
    await panel.getByRole('button', { name: 'Close' }).click();

    // A restore by the holder: one line in the feed, not a "saved a new version" beside it.
    await row(b, 'PN1001.mcam').getByRole('button', { name: 'Check out' }).click();
    await b.getByRole('button', { name: 'Confirm check-out' }).click();
    await row(b, 'PN1001.mcam').getByRole('button', { name: 'Versions of PN1001.mcam' }).click();
    await panel.getByRole('button', { name: 'Restore version 1' }).click();
    const feed = a.getByRole('region', { name: 'Activity' });
    await feed.getByRole('listitem').filter({ hasText: 'restored an older version of' }).waitFor();
    expect(await feed.getByRole('listitem').filter({ hasText: 'restored from version 1' }).count()).toBe(1);
    await b.keyboard.press('Escape');

    // Edited out of turn: shown on the row in both browsers.
    await writeFile(join(t.vault.root, 'PN1002.mcam'), 'saved without a lock');
    for (const p of [a, b]) await row(p, 'PN1002.mcam').getByText('Edited while not checked out').waitFor({ timeout: 5000 });
    expect(watch.errors).toEqual([]);
  });
});
