import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleWatch, openPerson, row, pagesPerFile } from '../support/pages.js';
import { builtWeb, ROOT } from '../support/processes.js';
import { api, startServer } from '../support/server.js';

const SHOTS = join(ROOT, 'test-results');

describe('the lock board in Chromium, two people', () => {
  const t = pagesPerFile();
  let dist: string;
  const contexts: BrowserContext[] = [];
  const watch = consoleWatch();

  const person = (name: string, width = 1280) => openPerson(t.browser, t.server.url, name, watch, width, contexts);

  beforeAll(async () => {
    dist = builtWeb();
    await mkdir(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
  });

  it('check-out, conflict, check-in, disk edits and a server restart all show live, without a reload', async () => {
    const a = await person('alice');
    const b = await person('bob');
    await expect.poll(() => row(b, 'PN1001.mcam').count()).toBe(1);
    await row(a, 'PN1001.mcam').getByText('Available').waitFor();

    // B opens the check-out dialog while the file is free; A checks it out first, through the dialog.
    await row(b, 'PN1001.mcam').getByRole('button', { name: 'Check out', exact: true }).click();
    await row(a, 'PN1001.mcam').getByRole('button', { name: 'Check out', exact: true }).click();
    await a.getByLabel('Message').fill('Working on revisions');
    await a.getByRole('button', { name: 'Confirm check-out' }).click();
    await row(b, 'PN1001.mcam').getByText('Checked out by alice').waitFor({ timeout: 2000 });
    await row(b, 'PN1001.mcam').getByText('Working on revisions').waitFor();
    await a.screenshot({ path: join(SHOTS, 'board-alice.png') });

    // B confirms the dialog opened before: it shows who was faster. The row itself now offers no check-out.
    await b.getByLabel('Message').fill('me too');
    await b.getByRole('button', { name: 'Confirm check-out' }).click();
    const conflict = b.getByRole('dialog').getByRole('alert').filter({ hasText: 'alice' });
    await conflict.waitFor();
    await b.screenshot({ path: join(SHOTS, 'conflict-bob.png') });
    // The refusal goes once it no longer holds (alice released it), with the dialog still open.
    await api(t.server.url, '/api/files/checkin', { json: { filename: 'PN1001.mcam', user: 'alice' } });
    await expect.poll(() => conflict.count()).toBe(0);
    await api(t.server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice', message: 'Working on revisions' } });
    await row(b, 'PN1001.mcam').getByText('Checked out by alice').waitFor();
    await b.keyboard.press('Escape');
    await expect.poll(() => b.getByRole('dialog').count()).toBe(0);
    expect(await row(b, 'PN1001.mcam').getByRole('button', { name: 'Check out', exact: true }).count()).toBe(0);
    await row(b, 'PN1001.mcam').getByRole('button', { name: 'Check out when free: PN1001.mcam' }).waitFor();

    // A checks in; B sees Available.
    await row(a, 'PN1001.mcam').getByRole('button', { name: 'Check in' }).click();
    await a.getByRole('button', { name: 'Confirm check-in' }).click();
    await row(b, 'PN1001.mcam').getByText('Available').waitFor({ timeout: 2000 });

    // A hand edit of locks.json and a file dropped into the vault reach both pages.
    await writeFile(t.vault.locksFile, JSON.stringify({ 'PN1002.mcam': { user: 'dave', timestamp: new Date().toISOString(), message: 'edited by hand' } }, null, 2));
    for (const p of [a, b]) await row(p, 'PN1002.mcam').getByText('Checked out by dave').waitFor({ timeout: 2000 });
    await t.vault.write('dropped/NEW-9000.mcam', 'new program');
    for (const p of [a, b]) await row(p, 'NEW-9000.mcam').waitFor({ timeout: 3000 });

    // The activity feed shows what happened.
    await a.getByRole('region', { name: 'Activity' }).getByText('checked out').first().waitFor();

    // A phone-sized screen still shows rows and actions.
    const phone = await person('carol', 390);
    await row(phone, 'PN1002.mcam').getByText('Checked out by dave').waitFor();
    // The column headers are hidden on a phone: a sort menu takes their place.
    // (On a desktop the sort menu is there too: size and modified have no header of their own.)
    expect(await a.getByRole('columnheader', { name: 'Status' }).isVisible()).toBe(true);
    const firstName = () => phone.locator('lit-virtualizer [role=row]').first().getAttribute('data-name');
    await phone.getByLabel('Sort by').selectOption({ label: 'Name, descending' });
    await expect.poll(firstName).toBe('dropped/NEW-9000.mcam');
    await phone.getByLabel('Sort by').selectOption({ label: 'Name, ascending' });
    await expect.poll(firstName).toBe('PN1001.mcam');
    await phone.screenshot({ path: join(SHOTS, 'board-phone.png') });

    // The server stops: Reconnecting…; a change made meanwhile shows after the restart.
    const port = new URL(t.server.url).port;
    watch.expect(true); // the browser logs refused connections while the server is down
    await t.server.close();
    for (const p of [a, b]) await p.getByRole('status').filter({ hasText: 'Reconnecting…' }).waitFor({ timeout: 5000 });
    expect(await row(a, 'PN1003.vnc').getByRole('button', { name: 'Check out' }).isDisabled()).toBe(true);
    await writeFile(t.vault.locksFile, JSON.stringify({ 'PN1003.vnc': { user: 'erin', timestamp: new Date().toISOString(), message: 'while down' } }, null, 2));
    await rm(join(t.vault.root, 'dropped'), { recursive: true });
    // Same port, so the pages reconnect by themselves.
    t.server = await startServer(t.vault, { webDist: dist }, Number(port));
    for (const p of [a, b]) {
      await p.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 10_000 });
      await row(p, 'PN1003.vnc').getByText('Checked out by erin').waitFor({ timeout: 3000 });
      await expect.poll(() => row(p, 'PN1002.mcam').getByText('Available').count()).toBe(1);
      await expect.poll(() => row(p, 'NEW-9000.mcam').count()).toBe(0);
    }
    watch.expect(false);
    await a.screenshot({ path: join(SHOTS, 'board-after-restart.png') });
    expect(watch.errors).toEqual([]);
  });
});
