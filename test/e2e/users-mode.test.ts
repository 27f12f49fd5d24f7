import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { consoleWatch, expectNoAxeViolations, row, pagesPerFile } from '../support/pages.js';
import { writeUsersFile } from '../support/users.js';

describe('users mode in Chromium', () => {
  const t = pagesPerFile(async (vault) => {
    const usersFile = join(vault.outside, 'users.json');
    await writeUsersFile(usersFile, { alice: ['alice-pw', 'user'], boss: ['boss-pw', 'admin'] });
    return { usersFile };
  });
  const watch = consoleWatch();

  async function signIn(name: string, password: string): Promise<Page> {
    const page = await (await t.browser.newContext()).newPage();
    watch.attach(page, name);
    await page.goto(t.server.url);
    await page.getByLabel('Name', { exact: true }).waitFor();
    await expectNoAxeViolations(page, 'sign-in form');
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    return page;
  }


  it('signs in, an admin force-releases a lock, the holder is told, and sign-out returns to the form', async () => {
    const alice = await signIn('alice', 'alice-pw');
    await alice.getByText('Signed in as alice').waitFor();
    await row(alice, 'PN1001.mcam').getByRole('button', { name: 'Check out' }).click();
    await alice.getByLabel('Message').fill('away on holiday');
    await alice.getByRole('button', { name: 'Confirm check-out' }).click();
    await row(alice, 'PN1001.mcam').getByText('Checked out by alice').waitFor();

    const boss = await signIn('boss', 'boss-pw');
    await boss.getByText('(admin)').waitFor();
    await row(boss, 'PN1001.mcam').getByRole('button', { name: 'Force release' }).click();
    await boss.getByRole('dialog').getByLabel('Reason').fill('needed on the machine');
    await boss.getByRole('dialog').getByRole('button', { name: 'Confirm force release' }).click();
    await row(alice, 'PN1001.mcam').getByText('Available').waitFor({ timeout: 2000 });
    await alice.getByRole('log', { name: 'Notifications' }).getByText(/force-released by boss.*needed on the machine/).waitFor();
    expect(await row(alice, 'PN1002.mcam').getByRole('button', { name: 'Force release' }).count()).toBe(0);

    // A wrong password is refused in the form.
    const eve = await (await t.browser.newContext()).newPage();
    await eve.goto(t.server.url);
    await eve.getByLabel('Name', { exact: true }).fill('alice');
    await eve.getByLabel('Password').fill('wrong');
    await eve.getByRole('button', { name: 'Sign in' }).click();
    await eve.getByRole('alert').filter({ hasText: 'Wrong user name or password' }).waitFor();

    await alice.getByRole('button', { name: 'Sign out' }).click();
    await alice.getByRole('button', { name: 'Sign in' }).waitFor();
    await alice.reload();
    await alice.getByRole('button', { name: 'Sign in' }).waitFor();
    // Only expected refusals were logged (the wrong password's 401, the signed-out session check).
    expect(watch.errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
  });

  it('a release is signed with the password in the dialog; a wrong one is refused in place', async () => {
    const boss = await signIn('boss', 'boss-pw');
    await row(boss, 'PN1003.vnc').getByRole('button', { name: 'Mark proven: PN1003.vnc' }).click();
    await boss.getByRole('dialog', { name: /Mark proven/ }).getByRole('button', { name: 'Confirm' }).click();
    await row(boss, 'PN1003.vnc').getByText('Proven A').waitFor();
    await row(boss, 'PN1003.vnc').getByRole('button', { name: 'Release: PN1003.vnc' }).click();
    const dialog = boss.getByRole('dialog', { name: /Release/ });
    await dialog.getByLabel('Comment').fill('signed off');
    await dialog.getByLabel('Password').fill('not it');
    await expectNoAxeViolations(boss, 'release dialog with a password');
    watch.expect(true);
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'password is not right' }).waitFor();
    watch.expect(false);
    await dialog.getByLabel('Password').fill('boss-pw');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await row(boss, 'PN1003.vnc').getByText('Released A').waitFor();
  });
});
