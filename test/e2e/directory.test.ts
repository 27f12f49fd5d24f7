import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { consoleWatch, row } from '../support/pages.js';
import { builtWeb } from '../support/processes.js';
import { startServer, type TestServer } from '../support/server.js';
import { ADMINS, PEOPLE, startSlapd, type Slapd } from '../support/slapd.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';

describe('directory sign-in in Chromium (OpenLDAP slapd)', () => {
  let dir: string;
  let slapd: Slapd;
  let vault: TempVault;
  let server: TestServer;
  let browser: Browser;
  const watch = consoleWatch();

  beforeAll(async () => {
    const dist = builtWeb();
    dir = await mkdtemp(join(tmpdir(), 'pdm-slapd-'));
    slapd = await startSlapd(dir);
    vault = await makeVault();
    server = await startServer(vault, {
      webDist: dist,
      ldap: { url: slapd.url, userDn: `uid={user},${PEOPLE}`, adminGroup: ADMINS, nameAttribute: 'uid', label: 'SHOP domain', recheckMs: 300_000, timeoutMs: 2000 },
    });
    browser = await launchChromium();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await vault?.cleanup();
    await slapd?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('the form names the directory; ALICE signs in as alice and checks a file out; a wrong password is told in the form', async () => {
    const page = await (await browser.newContext()).newPage();
    watch.attach(page, 'alice');
    // The 401s of "who am I" before sign-in and of the wrong password are logged by Chromium itself.
    watch.expect(true);
    await page.goto(server.url);
    const form = page.getByRole('form', { name: 'Sign in' });
    await form.getByText('With your SHOP domain account').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('alice');
    await page.getByLabel('Password').fill('not-her-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await form.getByRole('alert').getByText('Wrong user name or password.').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('ALICE');
    await page.getByLabel('Password').fill('alice-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await page.getByText('Signed in as alice').waitFor();
    watch.expect(false);
    await row(page, 'PN1001.mcam').getByRole('button', { name: 'Check out' }).click();
    await page.getByLabel('Message').fill('directory user');
    await page.getByRole('button', { name: 'Confirm check-out' }).click();
    await row(page, 'PN1001.mcam').getByText('Checked out by alice').waitFor();
    // Signed out, the form still names the directory.
    watch.expect(true);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('With your SHOP domain account').waitFor();
    expect(watch.errors).toEqual([]);
  });
});
