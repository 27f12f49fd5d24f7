import { readFile, writeFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { consoleWatch, row, pagesPerFile } from '../support/pages.js';
import { api } from '../support/server.js';

// A Notification that records what it was asked to show (permission granted on request).
const FAKE_NOTIFICATION = `
  window.__notes = [];
  class FakeNotification {
    static permission = 'default';
    static requestPermission() { FakeNotification.permission = 'granted'; return Promise.resolve('granted'); }
    constructor(title, options) { window.__notes.push(options && options.body); }
  }
  window.Notification = FakeNotification;
`;

describe('waiting for a file in Chromium, two people', () => {
  const t = pagesPerFile();
  const watch = consoleWatch();


  async function person(name: string): Promise<Page> {
    const ctx = await t.browser.newContext({ viewport: { width: 1280, height: 800 } });
    await ctx.addInitScript(FAKE_NOTIFICATION);
    const page = await ctx.newPage();
    watch.attach(page, name);
    await page.goto(t.server.url);
    await page.getByLabel('Your name').fill(name);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    return page;
  }
  const notes = (p: Page) => p.evaluate(() => (globalThis as unknown as { __notes: string[] }).__notes);

  it('bob queues, alice checks in, the file is bob\'s with a notification; alice asks bob to release', async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    const file = 'PN1001.mcam';
    await row(alice, file).getByRole('button', { name: 'Check out' }).click();
    await alice.getByLabel('Message').fill('roughing pass');
    // datetime-local takes the local time, minutes precision: tomorrow at this time.
    const tomorrow = new Date(Date.now() + 86_400_000);
    const local = new Date(tomorrow.getTime() - tomorrow.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await alice.getByLabel('Until').fill(local);
    await alice.getByRole('button', { name: 'Confirm check-out' }).click();
    await row(bob, file).getByText('Checked out by alice').waitFor();
    await row(bob, file).getByText('online').waitFor();
    // Everyone sees when alice means to be done (tomorrow: with the date).
    await row(bob, file).getByText(/^until \d{4}-\d\d-\d\d \d\d:\d\d$/).waitFor();
    await row(bob, file).getByRole('button', { name: `History of ${file}` }).click();
    await bob.getByRole('dialog', { name: `History of ${file}` }).getByText(/\(until \d{4}-\d\d-\d\d \d\d:\d\d\)/).waitFor();
    await bob.keyboard.press('Escape');
    // Someone else's file offers no check-out: waiting and asking instead.
    expect(await row(bob, file).getByRole('button', { name: 'Check out', exact: true }).count()).toBe(0);
    await bob.getByRole('button', { name: 'Notifications', exact: true }).click();
    await bob.getByRole('button', { name: 'Allow notifications' }).click();
    await bob.keyboard.press('Escape');
    await row(bob, file).getByRole('button', { name: `Check out when free: ${file}` }).click();
    const when = bob.getByRole('dialog', { name: `Check out ${file} when free` });
    await when.getByLabel('Message').fill('second operation');
    await when.getByRole('button', { name: 'Join the queue' }).click();
    await row(bob, file).getByText('Queue: bob').waitFor();
    await row(alice, file).getByText('Queue: bob').waitFor();
    await row(bob, file).getByRole('button', { name: `Leave queue: ${file}` }).waitFor();

    await row(alice, file).getByRole('button', { name: 'Check in' }).click();
    await alice.getByRole('button', { name: 'Confirm check-in' }).click();
    await row(bob, file).getByText('Checked out by bob').waitFor();
    // The hand-off keeps the message bob gave when he joined the queue.
    await row(alice, file).getByText('second operation').waitFor();
    const toasts = bob.getByRole('log', { name: 'Notifications' });
    await toasts.getByText(`${file} is now checked out to you (handed over by alice).`).waitFor();
    expect(await notes(bob)).toEqual([`${file} is now checked out to you (handed over by alice).`]);

    await row(alice, file).getByText('Checked out by bob').waitFor();
    await row(alice, file).getByRole('button', { name: `Ask to release: ${file}` }).click();
    await alice.getByRole('log', { name: 'Notifications' }).getByText(`Asked bob to release ${file}.`).waitFor();
    await toasts.getByText(`alice asks you to release ${file}.`).waitFor();
    expect(await notes(bob)).toContain(`alice asks you to release ${file}.`);
    // Asked again within 10 minutes: told in alice's page, nothing more for bob.
    await row(alice, file).getByRole('button', { name: `Ask to release: ${file}` }).click();
    const refusal = alice.getByRole('alert').filter({ hasText: /asked bob about/ });
    await refusal.waitFor();
    // Its wait counts down, and it goes once the file changes hands.
    const seconds = async () => Number(/in (\d+) s/.exec((await refusal.textContent()) ?? '')?.[1]);
    const first = await seconds();
    await expect.poll(seconds, { timeout: 5000 }).toBeLessThan(first);
    await api(t.server.url, '/api/files/checkin', { json: { filename: file, user: 'bob' } });
    await expect.poll(() => refusal.count()).toBe(0);
    // A lock past its `until` (written by hand here: the API takes only future times) is Overdue, and filterable.
    const locks = JSON.parse(await readFile(t.vault.locksFile, 'utf8'));
    locks['PN1002.mcam'] = { user: 'carol', timestamp: new Date(Date.now() - 7200_000).toISOString(), message: 'late', until: new Date(Date.now() - 3600_000).toISOString() };
    await writeFile(t.vault.locksFile, JSON.stringify(locks, null, 2));
    await row(bob, 'PN1002.mcam').getByText('Overdue').waitFor();
    expect(await row(bob, file).getByText('Overdue').count()).toBe(0);
    await bob.getByLabel('Show').selectOption('overdue');
    await expect.poll(() => bob.getByRole('row').filter({ hasText: '.mcam' }).count()).toBe(1);
    expect(watch.errors).toEqual([]);
  });
});
