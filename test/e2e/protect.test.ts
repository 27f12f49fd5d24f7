import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consoleWatch, openPerson, row, pagesPerFile } from '../support/pages.js';
import { api, eventually } from '../support/server.js';

describe('--protect on the page', () => {
  const t = pagesPerFile({ protect: true });
  const watch = consoleWatch();


  it('a read-only file carries a mark with an accessible name, gone while it is checked out', async () => {
    const abs = join(t.vault.root, 'PN1001.mcam');
    await eventually(async () => ((await stat(abs)).mode & 0o222) === 0, 2000, 'protected');
    const page = await openPerson(t.browser, t.server.url, 'alice', watch);
    const mark = row(page, 'PN1001.mcam').getByRole('img', { name: 'Read-only on the share' });
    await mark.waitFor();
    await api(t.server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'bob' } });
    await expect.poll(() => mark.count()).toBe(0);
    await api(t.server.url, '/api/files/checkin', { json: { filename: 'PN1001.mcam', user: 'bob' } });
    await mark.waitFor();
    expect(watch.errors).toEqual([]);
    await page.context().close();
  });
});
