import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { consoleWatch, expectNoAxeViolations, openPerson, row, pagesPerFile } from '../support/pages.js';
import { api, eventually } from '../support/server.js';


describe('jobs of several files, undo, force with a reason, history and the feed, in Chromium', () => {
  const t = pagesPerFile({ admins: ['boss'] });
  const contexts: BrowserContext[] = [];
  const watch = consoleWatch();

  const versions = async (name: string) => (await api(t.server.url, `/api/files/${name}/versions`)).body.versions as Array<{ user: string | null }>;

  it('selects rows and checks them out and in together; Check in all mine', async () => {
    const alice = await openPerson(t.browser, t.server.url, 'alice', watch, 1280, contexts);
    await alice.getByLabel('Select PN1001.mcam').check();
    await alice.getByLabel('Select PN1002.mcam').check();
    await alice.getByRole('button', { name: 'Check out selected' }).click();
    const dialog = alice.getByRole('dialog', { name: 'Check out 2 files' });
    await dialog.getByLabel('Message').fill('job 4711');
    await expectNoAxeViolations(alice, 'check-out dialog, two files');
    await dialog.getByLabel('Message').press('Control+Enter');
    await row(alice, 'PN1002.mcam').getByText('Checked out by alice').waitFor();
    await row(alice, 'PN1001.mcam').getByText('Checked out by alice').waitFor();
    expect((await api(t.server.url, '/api/locks')).body.locks['PN1001.mcam'].message).toBe('job 4711');

    await alice.getByRole('button', { name: 'Check in selected' }).click();
    const back = alice.getByRole('dialog', { name: 'Check in 2 files' });
    await back.getByLabel('Comment').fill('posted');
    await back.getByRole('button', { name: 'Confirm check-in' }).click();
    await row(alice, 'PN1002.mcam').getByText('Available').waitFor();
    await row(alice, 'PN1001.mcam').getByText('Available').waitFor();

    await alice.getByRole('button', { name: 'Clear selection' }).click();
    await row(alice, 'PN1003.vnc').getByRole('button', { name: 'Check out' }).click();
    await alice.getByRole('dialog').getByRole('button', { name: 'Confirm check-out' }).click();
    await row(alice, 'PN1003.vnc').getByText('Checked out by alice').waitFor();
    await alice.getByRole('button', { name: /^Check in all mine/ }).click();
    await alice.getByRole('dialog').getByRole('button', { name: 'Confirm check-in' }).click();
    await row(alice, 'PN1003.vnc').getByText('Available').waitFor();
    expect((await api(t.server.url, '/api/locks')).body.locks).toEqual({});
    await expectNoAxeViolations(alice, 'board');
  });

  it('Undo check-out puts the content back; History shows the holds', async () => {
    const alice = await openPerson(t.browser, t.server.url, 'alice', watch, 1280, contexts);
    const before = await readFile(join(t.vault.root, 'PN1001.mcam'), 'utf8');
    await row(alice, 'PN1001.mcam').getByRole('button', { name: 'Check out' }).click();
    await alice.getByRole('dialog').getByLabel('Message').fill('trying something');
    await alice.getByRole('dialog').getByRole('button', { name: 'Confirm check-out' }).click();
    await row(alice, 'PN1001.mcam').getByText('Checked out by alice').waitFor();
    await eventually(async () => (await versions('PN1001.mcam')).length > 0);
    await writeFile(join(t.vault.root, 'PN1001.mcam'), 'went wrong');
    await eventually(async () => (await versions('PN1001.mcam'))[0]?.user === 'alice');

    await row(alice, 'PN1001.mcam').getByRole('button', { name: 'Check in' }).click();
    const dialog = alice.getByRole('dialog', { name: /Check in/ });
    await expectNoAxeViolations(alice, 'check-in dialog');
    await dialog.getByRole('button', { name: 'Undo check-out' }).click();
    await row(alice, 'PN1001.mcam').getByText('Available').waitFor();
    expect(await readFile(join(t.vault.root, 'PN1001.mcam'), 'utf8')).toBe(before);

    await alice.getByRole('button', { name: 'History of PN1001.mcam' }).click();
    const history = alice.getByRole('dialog', { name: 'History of PN1001.mcam' });
    await history.getByText('check-out undone').waitFor();
    await history.getByText('trying something').waitFor();
    await history.getByText(/2 holds; median/).waitFor();
    await expectNoAxeViolations(alice, 'history panel');
    await history.getByRole('button', { name: 'Close' }).click();
  });

  it('an admin forces a release with a reason; the holder is told why', async () => {
    const bob = await openPerson(t.browser, t.server.url, 'bob', watch, 1280, contexts);
    const boss = await openPerson(t.browser, t.server.url, 'boss', watch, 1280, contexts);
    await row(bob, 'PN1002.mcam').getByRole('button', { name: 'Check out' }).click();
    await bob.getByRole('dialog').getByRole('button', { name: 'Confirm check-out' }).click();
    await row(boss, 'PN1002.mcam').getByText('Checked out by bob').waitFor();

    await row(boss, 'PN1002.mcam').getByRole('button', { name: 'Force release: PN1002.mcam' }).click();
    const dialog = boss.getByRole('dialog', { name: 'Force release PN1002.mcam' });
    const confirm = dialog.getByRole('button', { name: 'Confirm force release' });
    expect(await confirm.isDisabled()).toBe(true); // a reason first
    await dialog.getByLabel('Reason').fill('the machine is waiting for it');
    await expectNoAxeViolations(boss, 'force dialog');
    await confirm.click();
    await row(boss, 'PN1002.mcam').getByText('Available').waitFor();
    await bob.getByText(/force-released by boss.*the machine is waiting for it/).waitFor();
    const log = (await api(t.server.url, '/api/activity?type=force_release')).body.events;
    expect(log.at(-1)).toMatchObject({ user: 'boss', previous_user: 'bob', message: 'the machine is waiting for it' });
  });

  it('Copy path puts the share path on the clipboard; the feed filters by person and loads more', async () => {
    const carol = await openPerson(t.browser, t.server.url, 'carol', watch, 1280, contexts, { context: { permissions: ['clipboard-read', 'clipboard-write'] } });

    await carol.getByRole('button', { name: 'Copy path of customer-a/PN2002.vnc' }).click();
    const expected = `${t.vault.root}/customer-a/PN2002.vnc`;
    await carol.getByText(`Copied ${expected}`).waitFor();
    expect(await carol.evaluate('navigator.clipboard.readText()')).toBe(expected);

    const feed = carol.getByRole('region', { name: 'Activity' });
    // Part of the text, any case, as the list's Filter: `BO` finds bob and boss, `pn100` PN1002.mcam.
    await feed.getByLabel('Person').fill('BO');
    await feed.getByLabel('File').fill('pn100');
    await feed.getByRole('button', { name: 'Filter' }).click();
    await eventually(async () => {
      const items = await feed.getByRole('listitem').allTextContents();
      return items.some((t) => /^bob\s/.test(t.trim())) && items.some((t) => /^boss\s/.test(t.trim())) && items.every((t) => /^bo/.test(t.trim()) && t.includes('PN100'));
    });
    await feed.getByLabel('File').fill('');
    await feed.getByLabel('Person').fill('bob');
    await feed.getByRole('button', { name: 'Filter' }).click();
    await eventually(async () => {
      const items = await feed.getByRole('listitem').allTextContents();
      return items.length > 0 && items.every((t) => t.trim().startsWith('bob'));
    });
    await feed.getByRole('button', { name: 'Load more' }).click();
    await feed.getByText('That is everything.').waitFor();
    await expectNoAxeViolations(carol, 'feed filtered');
    expect(watch.errors).toEqual([]);
  });
});
