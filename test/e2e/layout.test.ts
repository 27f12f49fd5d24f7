import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { consoleWatch, expectNoAxeViolations, openPerson, row, pagesPerFile } from '../support/pages.js';
import { builtWeb } from '../support/processes.js';
import { api, eventually, startServer } from '../support/server.js';
import { makeVault } from '../support/temp-vault.js';

/** Screenshots of every width and theme, for people to look at (test-results/ is ignored by git). */
const SHOTS = fileURLToPath(new URL('../../test-results/screens/', import.meta.url));
const WIDTHS = [390, 800, 1024, 1280, 1920];
const LONG = 'customer-with-a-very-long-folder-name/sub-assembly-fixture-plates/PN4711-second-operation-with-a-long-name.mcam';
/** A free file with a name as long, and a file name with no break in it. */
const LONG_FREE = 'customer-with-a-very-long-folder-name/sub-assembly-fixture-plates/PN4712_THIRD_OPERATION_WITH_A_NAME_WITHOUT_ANY_BREAK.mcam';


/**
 * Controls that are visible but lie outside the viewport horizontally (cut off, or reachable only
 * by scrolling sideways), searched through shadow roots.
 */
function offscreen(page: Page): Promise<string[]> {
  // A string: the test's TypeScript has no DOM types (it runs in Node); this runs in the page.
  return page.evaluate(`(() => {
    const out = [];
    const width = document.documentElement.clientWidth;
    const visit = (root) => {
      for (const el of root.querySelectorAll('*')) {
        if (el.shadowRoot) visit(el.shadowRoot);
        if (!el.matches('button, a[href], input, select, textarea')) continue;
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
        if (r.left < -1 || r.right > width + 1) out.push(el.tagName.toLowerCase() + ' "' + (el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 40) + '" at ' + Math.round(r.left) + '..' + Math.round(r.right) + ' of ' + width);
      }
    };
    visit(document);
    if (document.documentElement.scrollWidth > width + 1) out.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + width);
    return out;
  })()`);
}

describe('the board at every width, light and dark: nothing cut off, axe finds nothing', () => {
  const t = pagesPerFile({ admins: ['boss'] }, ['PN1001.mcam', 'PN1002.mcam', 'PN1003.vnc', 'customer-a/PN2002.vnc', LONG, LONG_FREE]);
  const watch = consoleWatch();

  beforeAll(async () => {
    await api(t.server.url, '/api/files/checkout', { json: { filename: 'PN1002.mcam', message: 'roughing pass on the second fixture, do not touch', user: 'alice' } });
    await api(t.server.url, '/api/files/checkout', { json: { filename: LONG, message: 'finishing the second operation on the long fixture plate before the night shift', user: 'boss' } });
    await api(t.server.url, '/api/files/checkin', { json: { filename: LONG, user: 'boss', comment: 'a first pass: roughing and semi-finishing of every pocket, the finishing pass next' } });
    await api(t.server.url, '/api/files/checkout', { json: { filename: LONG, message: 'finishing', user: 'boss' } });
    // A second version, so Versions offers Restore.
    await api(t.server.url, `/api/files/${LONG}/content`, { method: 'PUT', body: 'the finishing pass', headers: { 'x-pdm-user': 'boss', 'content-type': 'application/octet-stream' } });
    await mkdir(SHOTS, { recursive: true });
  });

  for (const theme of ['light', 'dark'] as const) {
    for (const width of WIDTHS) {
      it(`${width} px, ${theme}`, async () => {
        const ctx = await t.browser.newContext({ viewport: { width, height: 800 }, colorScheme: theme });
        try {
          const page = await ctx.newPage();
          watch.attach(page, `${width}-${theme}`);
          await page.goto(t.server.url);
          await page.getByLabel('Your name').waitFor();
          if (width === 390 && theme === 'light') await expectNoAxeViolations(page, 'name prompt');
          await page.getByLabel('Your name').fill('boss');
          await page.getByRole('button', { name: 'Continue' }).click();
          await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
          await row(page, 'PN1002.mcam').getByText('Checked out by alice').waitFor();
          expect(await offscreen(page)).toEqual([]);
          // The list keeps most of a narrow window (with the bulk bar showing): it once had 4 rows of 900 px.
          const listBox = (await page.locator('file-table lit-virtualizer').boundingBox())!;
          if (width >= 800) expect(listBox.height / 800, `list height at ${width}`).toBeGreaterThanOrEqual(0.45);
          // Every file has its row (a list that lost its height shows only a few).
          for (const name of ['PN1001.mcam', 'PN1003.vnc', 'customer-a/PN2002.vnc', LONG]) await row(page, name).first().waitFor({ state: 'attached', timeout: 3000 });
          // A long name gives way in its folder: the file name (the part number) is shown whole,
          // wrapped on a phone; rows are numbered for screen readers.
          const name = row(page, LONG).locator('.name');
          const base = name.locator('.base');
          expect(await base.textContent()).toBe(LONG.slice(LONG.lastIndexOf('/') + 1));
          type Box = { scrollWidth: number; clientWidth: number; getBoundingClientRect(): { right: number }; parentElement: { getBoundingClientRect(): { right: number } } };
          expect(await base.evaluate((el: Box) => el.scrollWidth <= el.clientWidth + 1 && el.getBoundingClientRect().right <= el.parentElement.getBoundingClientRect().right + 1)).toBe(true);
          if (width >= 1920) expect((await name.boundingBox())!.height).toBeLessThan(30);
          expect(await name.getAttribute('title')).toBe(LONG);
          expect(await row(page, 'PN1001.mcam').getAttribute('aria-rowindex')).toBe('2');
          await page.screenshot({ path: `${SHOTS}board-${width}-${theme}.png`, fullPage: false });
          await expectNoAxeViolations(page, `board ${width} ${theme}`);
          expect(watch.errors).toEqual([]);
        } finally {
          await ctx.close();
        }
      });
    }
  }

  it('cosmetics: one header line at 800 px, whole placeholders, no Load more under an empty feed, a change on the share said of the file', async () => {
    const own = await makeVault(['PN1001.mcam']);
    const srv = await startServer(own, { webDist: builtWeb() });
    const contexts: BrowserContext[] = [];
    try {
      const page = await openPerson(t.browser, srv.url, 'erin', watch, 800, contexts);
      await page.getByText('1 of 1 files').waitFor();
      // The theme toggle stays on the title's line.
      const title = (await page.getByRole('heading', { name: 'PDM Live' }).boundingBox())!;
      const toggle = (await page.getByRole('button', { name: /theme/i }).boundingBox())!;
      expect(Math.abs(toggle.y + toggle.height / 2 - (title.y + title.height / 2))).toBeLessThan(title.height);
      // Every placeholder fits its box (measured with the box's own font).
      type Style = { fontSize: string; fontFamily: string; paddingLeft: string; paddingRight: string };
      type Field = { placeholder: string; clientWidth: number };
      type Page2d = { getComputedStyle(el: Field): Style; document: { createElement(tag: 'canvas'): { getContext(kind: '2d'): { font: string; measureText(text: string): { width: number } } | null } } };
      const fits = (el: Field) => {
        const g = globalThis as unknown as Page2d;
        const style = g.getComputedStyle(el);
        const ctx2d = g.document.createElement('canvas').getContext('2d')!;
        ctx2d.font = `${style.fontSize} ${style.fontFamily}`;
        return ctx2d.measureText(el.placeholder).width <= el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) + 1;
      };
      for (const label of ['Filter', 'File', 'Person']) expect(await page.getByLabel(label, { exact: true }).evaluate(fits), label).toBe(true);
      const feed = page.getByRole('region', { name: 'Activity' });
      await feed.getByText('Nothing yet.').waitFor();
      expect(await feed.getByRole('button', { name: 'Load more' }).count()).toBe(0);
      await own.write('PN1001.mcam', 'changed by a CAM program on the share');
      await feed.getByText('PN1001.mcam was changed on the share while nobody had it checked out').waitFor();
      await eventually(async () => (await feed.getByRole('listitem').allTextContents()).some((t) => /PN1001\.mcam\s+was changed on the share\s+just now/.test(t)));
      expect(await feed.getByText('On disk changed').count()).toBe(0);
      expect(watch.errors).toEqual([]);
    } finally {
      for (const c of contexts) await c.close();
      await srv.close();
      await own.cleanup();
    }
  });

  it('the other dialogs (versions, change name) and the dark theme\'s dialogs: axe finds nothing', async () => {
    for (const theme of ['light', 'dark'] as const) {
      const ctx = await t.browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: theme });
      try {
        const page = await ctx.newPage();
        await page.goto(t.server.url);
        await page.getByLabel('Your name').fill('alice');
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
        await page.getByRole('button', { name: 'Change name' }).click();
        const rename = page.getByRole('dialog', { name: 'Change name' });
        await rename.getByText(/checked out to alice/).waitFor();
        await expectNoAxeViolations(page, `change name ${theme}`);
        await rename.getByLabel('Your name').fill('someone else');
        await rename.getByRole('button', { name: 'Cancel' }).click();
        await page.getByText('Signed in as alice').waitFor();
        await page.getByRole('button', { name: 'Versions of PN1002.mcam' }).click();
        await page.getByRole('dialog', { name: 'Versions of PN1002.mcam' }).getByRole('table').waitFor();
        await expectNoAxeViolations(page, `versions ${theme}`);
        await page.screenshot({ path: `${SHOTS}versions-1280-${theme}.png` });
        await page.keyboard.press('Escape');
        await row(page, 'PN1002.mcam').getByRole('button', { name: 'Check in' }).click();
        await expectNoAxeViolations(page, `check-in ${theme}`);
        await page.screenshot({ path: `${SHOTS}checkin-1280-${theme}.png` });
        await page.keyboard.press('Escape');
      } finally {
        await ctx.close();
      }
    }
  });

  it('before the first snapshot the list says nothing (no "0 of 0 files"); Versions\' cells line up with their row', async () => {
    const ctx = await t.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await ctx.newPage();
      // No connection at first: the page has a name but no snapshot yet.
      await page.route('**/socket.io/**', (route) => route.abort());
      await page.routeWebSocket(/socket\.io/, (ws) => ws.close());
      await page.goto(t.server.url);
      await page.getByLabel('Your name').fill('boss');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Change name' }).waitFor();
      expect(await page.getByText(/\d+ of \d+ files/).count()).toBe(0);
      expect(await page.getByText('No tracked files in the vault yet.').count()).toBe(0);
      await page.close();
      // A page without the block (same browser profile: the name is remembered).
      const live = await ctx.newPage();
      await live.goto(t.server.url);
      await live.getByRole('status').filter({ hasText: 'Live' }).waitFor();
      await live.getByText(/^6 of 6 files$/).waitFor();
      await live.getByRole('button', { name: `Versions of ${LONG}` }).click();
      const panel = live.getByRole('dialog', { name: `Versions of ${LONG}` });
      const rowOf = panel.getByRole('row').filter({ hasText: 'Restore' });
      await rowOf.waitFor();
      const rowBox = (await rowOf.boundingBox())!;
      for (const cell of await rowOf.getByRole('cell').all()) {
        const box = (await cell.boundingBox())!;
        expect(Math.abs(box.y + box.height - (rowBox.y + rowBox.height))).toBeLessThanOrEqual(1);
      }
    } finally {
      await ctx.close();
    }
  });

  it('390 px: every dialog, with the longest names, fits the screen with all its buttons reachable', async () => {
    const contexts: BrowserContext[] = [];
    try {
      const page = await openPerson(t.browser, t.server.url, 'boss', watch, 390, contexts, { context: { viewport: { width: 390, height: 844 } } });
      const check = async (what: string, open: () => Promise<unknown>, buttons: string[]) => {
        await open();
        const dialog = page.getByRole('dialog');
        await dialog.waitFor();
        await page.screenshot({ path: `${SHOTS}dialog-390-${what}.png` });
        expect(await offscreen(page), what).toEqual([]);
        for (const name of buttons) {
          const button = dialog.getByRole(name.startsWith('Download') ? 'link' : 'button', { name, exact: true });
          await button.scrollIntoViewIfNeeded();
          const box = (await button.boundingBox())!;
          expect(box.x >= 0 && box.x + box.width <= 391 && box.y >= 0 && box.y + box.height <= 845, `${what}: ${name} on screen`).toBe(true);
        }
        await expectNoAxeViolations(page, `${what} at 390`);
        await page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'detached' }).catch(() => dialog.waitFor({ state: 'hidden' }));
      };
      await check('checkout', () => row(page, LONG_FREE).getByRole('button', { name: 'Check out' }).click(), ['Cancel', 'Confirm check-out']);
      await check('checkin', () => row(page, LONG).getByRole('button', { name: 'Check in' }).click(), ['Cancel', 'Confirm check-in']);
      await check('versions', () => page.getByRole('button', { name: `Versions of ${LONG}` }).click(), ['Close', 'Download version 1', 'Download version 2', 'Restore version 1']);
      await check('history', () => page.getByRole('button', { name: `History of ${LONG}` }).click(), ['Close']);
      await check('force', () => row(page, 'PN1002.mcam').getByRole('button', { name: 'Force release: PN1002.mcam' }).click(), ['Cancel']);
      await check('wait', () => row(page, 'PN1002.mcam').getByRole('button', { name: 'Check out when free: PN1002.mcam' }).click(), ['Cancel', 'Join the queue']);
      await check('name', () => page.getByRole('button', { name: 'Change name' }).click(), ['Cancel']);
      await check('state', () => row(page, LONG_FREE).getByRole('button', { name: `Mark proven: ${LONG_FREE}` }).click(), ['Cancel', 'Confirm']);
      // The activity feed follows the list, with room to read it (it once had no height at all).
      const feed = page.getByRole('region', { name: 'Activity' });
      await feed.scrollIntoViewIfNeeded();
      expect((await feed.boundingBox())!.height).toBeGreaterThanOrEqual(200);
      await feed.getByRole('listitem').first().waitFor();
      expect(await feed.getByRole('listitem').first().isVisible()).toBe(true);
      // A path breaks after a folder's slash, not inside a word: a break opportunity after each `/`.
      const path = feed.getByRole('listitem').filter({ hasText: LONG }).first().locator('.file');
      expect(await path.locator('wbr').count()).toBe(LONG.split('/').length - 1);
      await page.screenshot({ path: `${SHOTS}phone-feed-390.png` });
      expect(watch.errors).toEqual([]);
    } finally {
      for (const c of contexts) await c.close();
    }
  });

  it('degraded (locks.json unreadable) and reconnecting (the server gone): said where people look, buttons disabled, axe finds nothing', async () => {
    const own = await makeVault();
    let srv = await startServer(own, { webDist: builtWeb() });
    const ctx = await t.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await ctx.newPage();
      await page.goto(srv.url);
      await page.getByLabel('Your name').fill('erin');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();

      const { writeFile } = await import('node:fs/promises');
      // A lock added by hand is said to be one.
      await writeFile(own.locksFile, JSON.stringify({ 'PN1002.mcam': { user: 'carol', timestamp: new Date().toISOString(), message: 'by hand' } }));
      await row(page, 'PN1002.mcam').getByText('Checked out by carol').waitFor();
      await page.getByRole('region', { name: 'Activity' }).getByRole('listitem').filter({ hasText: 'carol' }).getByText('edited on disk').waitFor();
      await writeFile(own.locksFile, '{ not json');
      await page.getByRole('status').filter({ hasText: 'Degraded' }).waitFor();
      await page.getByRole('alert').filter({ hasText: 'Locks unavailable' }).waitFor();
      expect(await row(page, 'PN1001.mcam').getByRole('button', { name: 'Check out' }).isDisabled()).toBe(true);
      await page.screenshot({ path: `${SHOTS}degraded-1280.png` });
      await expectNoAxeViolations(page, 'degraded');
      await writeFile(own.locksFile, '{}');
      await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();

      watch.expect(true); // the socket's failed reconnections are console errors
      const port = Number(new URL(srv.url).port);
      await srv.close();
      await page.getByRole('alert').filter({ hasText: 'Reconnecting' }).waitFor();
      expect(await row(page, 'PN1001.mcam').getByRole('button', { name: 'Check out' }).isDisabled()).toBe(true);
      expect(await row(page, 'PN1001.mcam').getByRole('button', { name: 'Versions of PN1001.mcam' }).isDisabled()).toBe(true);
      expect(await row(page, 'PN1001.mcam').getByRole('link', { name: 'Download PN1001.mcam' }).count()).toBe(0);
      await page.screenshot({ path: `${SHOTS}reconnecting-1280.png` });
      await expectNoAxeViolations(page, 'reconnecting');
      srv = await startServer(own, { webDist: builtWeb() }, port);
      await page.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 10_000 });
      watch.expect(false);
      expect(await row(page, 'PN1001.mcam').getByRole('button', { name: 'Check out' }).isDisabled()).toBe(false);
    } finally {
      await ctx.close();
      await srv.close();
      await own.cleanup();
    }
  });
});
