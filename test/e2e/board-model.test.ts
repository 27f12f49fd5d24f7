import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileStatus } from '../../shared/protocol.js';
import { pick, report } from '../torture/scale.js';
import { launchChromium } from '../support/browser.js';
import { consoleWatch, openPerson } from '../support/pages.js';
import { builtWeb } from '../support/processes.js';
import { api, startServer, type TestServer } from '../support/server.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';

/**
 * Model-based: random steps (scrolling by wheel and keys, Filter, Show, Folder, sort, changes by
 * others through the API, a server restart), and after each the rows on screen are compared with
 * GET /api/files under the same filters: no script error, no row missing from or stale on screen.
 * A fixed seed in `npm test`; `npm run torture` runs 5,000 steps.
 */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface View {
  text: string;
  show: 'all' | 'mine' | 'checked_out' | 'available';
  folder: string;
}

const folderOf = (name: string) => (name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : '');

function expected(files: FileStatus[], v: View, me: string): FileStatus[] {
  const text = v.text.trim().toLowerCase();
  return files.filter((f) => {
    if (v.folder && folderOf(f.name) !== v.folder) return false;
    if (v.show === 'mine' && f.locked_by !== me) return false;
    if (v.show === 'checked_out' && f.status !== 'checked_out') return false;
    if (v.show === 'available' && f.status !== 'available') return false;
    return !text || f.name.toLowerCase().includes(text) || (f.lock?.message ?? '').toLowerCase().includes(text) || (f.locked_by ?? '').toLowerCase().includes(text);
  });
}

/** The rows the page shows now (laid out, not hidden): name and status badge. */
async function onScreen(page: Page): Promise<Array<{ name: string; status: string }>> {
  const rows = page.locator('file-table lit-virtualizer [role=row][data-name]');
  // Read in the page in one go; a string because the test's TypeScript has no DOM types.
  const read = `(els) => els.filter((e) => e.offsetParent !== null).map((e) => ({ name: e.dataset.name, status: e.querySelector('.badge')?.textContent ?? '' }))`;
  return rows.evaluateAll((els, fn) => (globalThis as unknown as { eval: (s: string) => (e: unknown[]) => unknown }).eval(fn)(els), read) as Promise<Array<{ name: string; status: string }>>;
}

async function counter(page: Page): Promise<string> {
  return (await page.locator('file-table .count').textContent()) ?? '';
}

describe('the board never lies: model-based steps against GET /api/files', () => {
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser.close();
  });

  async function run(files: string[], steps: number, seed: number): Promise<number> {
    const vault: TempVault = await makeVault(files);
    const dist = builtWeb();
    let server: TestServer = await startServer(vault, { webDist: dist, commandBudget: null });
    const port = Number(new URL(server.url).port);
    const watch = consoleWatch();
    const page = await openPerson(browser, server.url, 'alice', watch, 1280, contexts);
    const rnd = prng(seed);
    const any = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!;
    const view: View = { text: '', show: 'all', folder: '' };
    const folders = [...new Set(files.map(folderOf))].filter(Boolean);
    const list = page.locator('file-table lit-virtualizer');
    let checked = 0;
    try {
      for (let step = 0; step < steps; step++) {
        const kind = any(['wheel', 'wheel', 'keys', 'filter', 'filter', 'scroll-then-filter', 'scroll-then-filter', 'show', 'folder', 'sort', 'others', 'others', 'mine', ...(step % 97 === 96 ? ['restart'] : [])]);
        let what: string = kind;
        const wheel = async () => {
          const box = await list.boundingBox();
          if (box) {
            await page.mouse.move(box.x + box.width / 2, box.y + Math.min(box.height / 2, 100));
            await page.mouse.wheel(0, Math.floor(rnd() * 2400) - 400);
          }
        };
        if (kind === 'wheel') await wheel();
        else if (kind === 'scroll-then-filter') {
          // Scrolled towards the end, then a part number typed at once, key by key (the blocker).
          await wheel();
          await page.mouse.wheel(0, 100_000);
          const name = any(files);
          view.text = name.slice(name.lastIndexOf('/') + 1, name.lastIndexOf('/') + 1 + 3 + Math.floor(rnd() * 4));
          await page.getByLabel('Filter').fill('');
          await page.getByLabel('Filter').pressSequentially(view.text, { delay: Math.floor(rnd() * 30) });
          what = `scroll, then type "${view.text}"`;
        } else if (kind === 'keys') {
          const first = page.locator('file-table lit-virtualizer [role=row][data-name]').first();
          if ((await first.count()) > 0) {
            await first.focus();
            await page.keyboard.press(any(['PageDown', 'PageDown', 'End', 'Home', 'ArrowDown', 'PageUp']));
          }
        } else if (kind === 'filter') {
          const name = any(files);
          const from = Math.floor(rnd() * Math.max(1, name.length - 4));
          view.text = rnd() < 0.2 ? '' : name.slice(from, from + 2 + Math.floor(rnd() * 5));
          if (rnd() < 0.3) view.text = view.text.toUpperCase();
          await page.getByLabel('Filter').fill(view.text);
          what = `filter "${view.text}"`;
        } else if (kind === 'show') {
          view.show = any(['all', 'mine', 'checked_out', 'available'] as const);
          await page.getByLabel('Show').selectOption(view.show);
          what = `show ${view.show}`;
        } else if (kind === 'folder') {
          view.folder = rnd() < 0.3 ? '' : any(folders);
          await page.getByLabel('Folder').selectOption(view.folder);
          what = `folder "${view.folder}"`;
        } else if (kind === 'sort') {
          const option = `${any(['name', 'size', 'modified', 'status', 'message', 'held'])}:${any(['asc', 'desc'])}`;
          await page.getByLabel('Sort by').selectOption(option);
          what = `sort ${option}`;
        } else if (kind === 'others' || kind === 'mine') {
          const who = kind === 'mine' ? 'alice' : any(['bob', 'carol']);
          const batch = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => any(files));
          for (const f of new Set(batch)) {
            const held = (await api(server.url, `/api/files/${f.split('/').map(encodeURIComponent).join('/')}`)).body as FileStatus;
            if (held.locked_by) await api(server.url, '/api/files/checkin', { json: { filename: f, user: held.locked_by } });
            else await api(server.url, '/api/files/checkout', { json: { filename: f, user: who, message: `step ${step}` } });
          }
          what = `${who} changes ${[...new Set(batch)].join(', ')}`;
        } else {
          // While the server is down, what the page asks for fails (a console error): expected.
          watch.expect(true);
          await server.close();
          server = await startServer(vault, { webDist: dist, commandBudget: null }, port);
          await page.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
          watch.expect(false);
        }
        // The page converges on the truth (it is pushed, never polled); then the screen is checked.
        const truth = ((await api(server.url, '/api/files')).body as { files: FileStatus[] }).files;
        const want = expected(truth, view, 'alice');
        const byName = new Map(truth.map((f) => [f.name, f]));
        const wanted = new Set(want.map((f) => f.name));
        let problem = '';
        for (let waited = 0; waited <= 5000; waited += 50) {
          problem = '';
          const count = await counter(page);
          if (count !== `${want.length} of ${truth.length} files`) problem = `counter "${count}", expected ${want.length} of ${truth.length}`;
          const rows = await onScreen(page);
          for (const r of rows) {
            const f = byName.get(r.name);
            const status = f?.locked_by ? `Checked out by ${f.locked_by}` : 'Available';
            if (!wanted.has(r.name)) problem ||= `row ${r.name} shown but filtered out`;
            else if (r.status !== status) problem ||= `row ${r.name} says "${r.status}", truth "${status}"`;
          }
          if (want.length > 0 && rows.length === 0) problem ||= 'no rows shown';
          if (want.length <= 8 && rows.length !== want.length) problem ||= `${rows.length} rows shown, ${want.length} expected`;
          if (!problem && watch.errors.length === 0) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        expect(watch.errors, `after step ${step} (${what})`).toEqual([]);
        expect(problem, `after step ${step} (${what})`).toBe('');
        checked++;
      }
    } finally {
      await page.context().close();
      await server.close();
      await vault.cleanup();
    }
    return checked;
  }

  const small = ['PN1001.mcam', 'PN1002.mcam', 'fixtures/FX-201-softjaws.vnc', 'fixtures/FX-202-vise.vnc', 'customer-a/PN2002.vnc', 'customer-a/PN2003.mcam', 'customer-b/ACME-PN4711-REV-C_OP20.mcam'];
  const large = Array.from({ length: 2000 }, (_, i) => `${['cell-1', 'cell-2', 'cell-3', 'fixtures'][i % 4]}/PN${String(10_000 + i)}.mcam`);

  it('a small vault and a 2,000-file vault: every step ends with the screen as the server says', { timeout: pick(300_000, 3_600_000) }, async () => {
    const total = pick(200, 5000);
    const a = await run(small, Math.round(total * 0.3), 29);
    const b = await run(large, total - Math.round(total * 0.3), 2029);
    report('board model', { steps: a + b });
  });
});
