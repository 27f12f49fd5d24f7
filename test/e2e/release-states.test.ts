import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { consoleWatch, expectNoAxeViolations, openPerson, pagesPerFile, row } from '../support/pages.js';
import { ROOT } from '../support/processes.js';
import { api } from '../support/server.js';

const SCREENSHOT = join(ROOT, 'docs', 'screenshot-release-states.png');

describe('release states on the page, in Chromium', () => {
  const t = pagesPerFile({ admins: ['boss'] }, ['PN1001.mcam', 'PN1002.mcam', 'PN1003.vnc', 'PN1004.mcam', 'customer-a/PN2002.vnc']);
  const contexts: BrowserContext[] = [];
  const watch = consoleWatch();
  const set = (name: string, state: string, user: string, comment?: string) => api(t.server.url, `/api/files/${name}/state`, { json: { state, user, ...(comment ? { comment } : {}) } });

  it('Mark proven, Release with a comment, the summary and the State filter, then Start revision B; the other page follows live', async () => {
    const boss = await openPerson(t.browser, t.server.url, 'boss', watch, 1280, contexts);
    const alice = await openPerson(t.browser, t.server.url, 'alice', watch, 1280, contexts);
    await row(boss, 'PN1001.mcam').getByText('Draft A').waitFor();
    // Anyone marks it proven; only an approver is offered Release.
    await row(alice, 'PN1001.mcam').getByRole('button', { name: 'Mark proven: PN1001.mcam' }).click();
    const proven = alice.getByRole('dialog', { name: /Mark proven/ });
    await expectNoAxeViolations(alice, 'state dialog');
    await proven.getByRole('button', { name: 'Confirm' }).click();
    await row(boss, 'PN1001.mcam').getByText('Proven A').waitFor();
    expect(await row(alice, 'PN1001.mcam').getByRole('button', { name: /^Release/ }).count()).toBe(0);
    await boss.getByRole('button', { name: '1 proven awaiting release' }).waitFor();

    await row(boss, 'PN1001.mcam').getByRole('button', { name: 'Release: PN1001.mcam' }).click();
    const release = boss.getByRole('dialog', { name: /Release/ });
    // A release says why: Confirm waits for a comment.
    expect(await release.getByRole('button', { name: 'Confirm' }).isDisabled()).toBe(true);
    await release.getByLabel('Comment').fill('First article OK on M3');
    await release.getByRole('button', { name: 'Confirm' }).click();
    await row(alice, 'PN1001.mcam').getByText('Released A').waitFor();
    await boss.getByRole('button', { name: '1 released' }).click();
    await expect.poll(async () => (await boss.getByRole('row').allTextContents()).filter((r) => r.includes('.mcam') || r.includes('.vnc')).length).toBe(1);
    await boss.getByRole('button', { name: '1 released' }).click();

    // Checking a released file out asks first: it starts revision B.
    await row(alice, 'PN1001.mcam').getByRole('button', { name: 'Check out' }).click();
    const checkout = alice.getByRole('dialog', { name: /Check out/ });
    await checkout.getByText(/starts revision B as a draft/).waitFor();
    await expectNoAxeViolations(alice, 'check-out dialog of a released file');
    await checkout.getByRole('button', { name: 'Start revision B' }).click();
    await row(boss, 'PN1001.mcam').getByText('Draft B').waitFor();
    await row(boss, 'PN1001.mcam').getByText('Checked out by alice').waitFor();
    expect((await api(t.server.url, '/api/files/PN1001.mcam')).body).toMatchObject({ state: 'draft', revision: 'B', locked_by: 'alice' });

    // The released content stays a version, offered as `Released A`.
    await row(boss, 'PN1001.mcam').getByRole('button', { name: 'Versions of PN1001.mcam' }).click();
    const versions = boss.getByRole('dialog', { name: 'Versions of PN1001.mcam' });
    await versions.getByText('Released A', { exact: true }).waitFor();
    await versions.getByRole('link', { name: /^Download version \d+ \(Released A\)$/ }).waitFor();
    await boss.keyboard.press('Escape');

    // History shows the states beside the holds.
    await row(boss, 'PN1001.mcam').getByRole('button', { name: 'History of PN1001.mcam' }).click();
    const history = boss.getByRole('dialog', { name: 'History of PN1001.mcam' });
    await history.getByRole('cell', { name: 'Released A' }).waitFor();
    await history.getByRole('cell', { name: 'First article OK on M3' }).waitFor();
    await expectNoAxeViolations(boss, 'history with states');
    await boss.keyboard.press('Escape');
  });

  it('a row in each state, at 390 and 1920 px: the labels and actions fit; the README screenshot', async () => {
    await set('PN1002.mcam', 'proven', 'alice');
    await set('PN1003.vnc', 'proven', 'alice');
    await set('PN1003.vnc', 'released', 'boss', 'Signed off');
    await set('PN1004.mcam', 'proven', 'alice');
    await set('PN1004.mcam', 'released', 'boss', 'Signed off');
    await set('PN1004.mcam', 'obsolete', 'boss', 'Replaced by PN1003');
    for (const width of [390, 1920]) {
      const boss = await openPerson(t.browser, t.server.url, 'boss', watch, width, contexts);
      for (const [name, label] of [['PN1002.mcam', 'Proven A'], ['PN1003.vnc', 'Released A'], ['PN1004.mcam', 'Obsolete A'], ['customer-a/PN2002.vnc', 'Draft A']] as const) {
        const tag = row(boss, name).getByText(label, { exact: true });
        await tag.waitFor();
        const box = (await tag.boundingBox())!;
        expect(box.x + box.width, `${label} at ${width}px`).toBeLessThanOrEqual(width);
      }
      // Nothing of the page is wider than the window.
      expect(await boss.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
      await expectNoAxeViolations(boss, `rows in each state at ${width}px`);
      if (width === 1920) {
        await boss.setViewportSize({ width: 1280, height: 560 });
        await boss.screenshot({ path: SCREENSHOT });
      }
    }
  });
});
