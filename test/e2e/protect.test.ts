import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { consoleWatch, openPerson, row } from '../support/pages.js';
import { builtWeb } from '../support/processes.js';
import { api, eventually, startServer, type TestServer } from '../support/server.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';

describe('--protect on the page', () => {
  let vault: TempVault;
  let server: TestServer;
  let browser: Browser;
  const watch = consoleWatch();

  beforeAll(async () => {
    vault = await makeVault();
    server = await startServer(vault, { webDist: builtWeb(), protect: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await vault?.cleanup();
  });

  it('a read-only file carries a mark with an accessible name, gone while it is checked out', async () => {
    const abs = join(vault.root, 'PN1001.mcam');
    await eventually(async () => ((await stat(abs)).mode & 0o222) === 0, 2000, 'protected');
    const page = await openPerson(browser, server.url, 'alice', watch);
    const mark = row(page, 'PN1001.mcam').getByRole('img', { name: 'Read-only on the share' });
    await mark.waitFor();
    await api(server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'bob' } });
    await expect.poll(() => mark.count()).toBe(0);
    await api(server.url, '/api/files/checkin', { json: { filename: 'PN1001.mcam', user: 'bob' } });
    await mark.waitFor();
    expect(watch.errors).toEqual([]);
    await page.context().close();
  });
});
