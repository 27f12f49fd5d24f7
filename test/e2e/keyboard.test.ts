import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { consoleWatch, openPerson, row, pagesPerFile } from '../support/pages.js';
import { api, eventually } from '../support/server.js';

/** What has focus, through the shadow roots: its role or tag, the row it is in, its text. */
function focused(page: Page): Promise<{ tag: string; role: string | null; row: string | null; text: string }> {
  return page.evaluate(`(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    if (!el) return { tag: '', role: null, row: null, text: '' };
    const row = el.closest('[role=row]');
    return { tag: el.tagName.toLowerCase(), role: el.getAttribute('role'), row: row ? row.getAttribute('data-name') : null, text: (el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 60) };
  })()`);
}

describe('keyboard first: one tab stop for the list, arrows between rows, focus never lost', () => {
  const t = pagesPerFile();
  const contexts: BrowserContext[] = [];
  const watch = consoleWatch();


  it('on the first visit the name box has focus: typing a name and Enter is all it takes', async () => {
    const ctx = await t.browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(ctx);
    const page = await ctx.newPage();
    watch.attach(page, 'dave');
    await page.goto(t.server.url);
    await page.getByLabel('Your name').waitFor();
    await eventually(async () => (await focused(page)).tag === 'input', 5000, 'the name box focused');
    await page.keyboard.type('dave');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
  });

  it('after the name, focus is on the list; arrows move, Enter checks out, Ctrl+Enter confirms, focus comes back to the row', async () => {
    const alice = await openPerson(t.browser, t.server.url, 'alice', watch, 1280, contexts);
    await eventually(async () => (await focused(alice)).role === 'row');
    expect((await focused(alice)).row).toBe('PN1001.mcam');
    // Only one row is in the tab order.
    const stops = await alice.evaluate(`document.querySelector('pdm-app').shadowRoot.querySelector('file-table').shadowRoot.querySelectorAll('[role=row][tabindex="0"]').length`);
    expect(stops).toBe(1);

    await alice.keyboard.press('ArrowDown');
    expect((await focused(alice)).row).toBe('PN1002.mcam');
    await alice.keyboard.press('End');
    expect((await focused(alice)).row).toBe('customer-a/PN2002.vnc');
    await alice.keyboard.press('Home');
    expect((await focused(alice)).row).toBe('PN1001.mcam');
    await alice.keyboard.press('ArrowDown');

    await alice.keyboard.press('Enter');
    const dialog = alice.getByRole('dialog', { name: 'Check out PN1002.mcam' });
    await dialog.waitFor();
    expect((await focused(alice)).tag).toBe('textarea');
    await alice.keyboard.type('first line');
    await alice.keyboard.press('Enter'); // a new line, not a submit
    await alice.keyboard.type('second line');
    await alice.keyboard.press('Control+Enter');
    await row(alice, 'PN1002.mcam').getByText('Checked out by alice').waitFor();
    expect((await api(t.server.url, '/api/locks')).body.locks['PN1002.mcam'].message).toBe('first line\nsecond line');
    await eventually(async () => (await focused(alice)).row === 'PN1002.mcam');

    // A refused check-out keeps focus in the dialog.
    await api(t.server.url, '/api/files/checkout', { json: { filename: 'PN1003.vnc', user: 'bob' } });
    const stale = await alice.evaluate(`document.querySelector('pdm-app').shadowRoot.querySelector('checkout-dialog').open(['PN1003.vnc'])`);
    expect(stale).toBeUndefined();
    const refused = alice.getByRole('dialog', { name: 'Check out PN1003.vnc' });
    await refused.getByRole('button', { name: 'Confirm check-out' }).click();
    await refused.getByRole('alert').waitFor();
    expect((await focused(alice)).text).toBe('Confirm check-out');
    await alice.keyboard.press('Escape');
    await eventually(async () => (await focused(alice)).tag !== 'body');
  });

  it('the skip button goes to the list; lock changes on files you wait for are read out', async () => {
    const bob = await openPerson(t.browser, t.server.url, 'bob', watch, 1280, contexts);
    await bob.getByRole('button', { name: 'Skip to files' }).focus();
    expect((await focused(bob)).text).toBe('Skip to files');
    await bob.keyboard.press('Enter');
    await eventually(async () => (await focused(bob)).role === 'row');

    await api(t.server.url, '/api/files/checkout', { json: { filename: 'customer-a/PN2002.vnc', user: 'carol' } });
    await row(bob, 'customer-a/PN2002.vnc').getByRole('button', { name: 'Check out when free: customer-a/PN2002.vnc' }).click();
    await bob.getByRole('dialog').getByRole('button', { name: 'Join the queue' }).click();
    await row(bob, 'customer-a/PN2002.vnc').getByText('Queue: bob').waitFor();
    await api(t.server.url, '/api/files/unwait', { json: { filename: 'customer-a/PN2002.vnc', user: 'bob' } });
    await api(t.server.url, '/api/files/wait', { json: { filename: 'customer-a/PN2002.vnc', user: 'bob' } });
    await api(t.server.url, '/api/files/checkin', { json: { filename: 'customer-a/PN2002.vnc', user: 'carol' } });
    const said = () => bob.evaluate(`document.querySelector('pdm-app').shadowRoot.querySelector('.sr[aria-live=polite]').textContent`);
    await eventually(async () => /customer-a\/PN2002\.vnc/.test(String(await said())));
    expect(watch.errors).toEqual([]);
  });

  it('times move on by themselves; the summary line filters the list', async () => {
    const dan = await openPerson(t.browser, t.server.url, 'dan', watch, 1280, contexts, { setup: (ctx) => ctx.clock.install() });
    await api(t.server.url, '/api/files/checkin', { json: { filename: 'PN1002.mcam', user: 'alice' } });
    await row(dan, 'PN1002.mcam').getByRole('button', { name: 'Check out' }).click();
    await dan.getByRole('dialog').getByRole('button', { name: 'Confirm check-out' }).click();
    const held = row(dan, 'PN1002.mcam').getByRole('gridcell').filter({ hasText: /min/ });
    await held.getByText('< 1 min').waitFor();
    // The answer is in (the dialog closed) before the clock jumps: a jump past the answer's
    // timeout would time the request out on a busy machine.
    await expect.poll(() => dan.getByRole('dialog').count()).toBe(0);
    // No event arrives; only the page's clock moves.
    await dan.clock.fastForward('02:31');
    await held.getByText('2 min').waitFor();

    const byYou = dan.getByRole('button', { name: '1 by you' });
    await byYou.click();
    expect(await byYou.getAttribute('aria-pressed')).toBe('true');
    await eventually(async () => (await dan.getByRole('row').filter({ hasText: 'Checked out by dan' }).count()) === 1 && (await row(dan, 'PN1001.mcam').count()) === 0);
    await byYou.click();
    await row(dan, 'PN1001.mcam').waitFor();
  });
});
