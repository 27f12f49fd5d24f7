// The page in Chromium with many files: time to first rows after load, and filter keystroke to list.
// Run: node --import tsx bench/page.ts   (BENCH_PAGE_FILES=10000,100000)
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createApp } from '../server/app.js';
import { createLogger } from '../server/logger.js';
import { launchChromium } from '../test/support/browser.js';
import { fmt, summarize, tempVault } from './support.js';

import { builtWeb } from '../test/support/processes.js';

export interface PageRow {
  files: number;
  firstRows: ReturnType<typeof summarize>;
  filter: ReturnType<typeof summarize>;
  domRows: number;
}

export async function pageBench(sizes: number[], runs = 5): Promise<PageRow[]> {
  const dist = builtWeb();
  const browser = await launchChromium();
  const rows: PageRow[] = [];
  try {
    for (const n of sizes) {
      const { root } = await tempVault(n);
      // Polling with a long period: this measures the page, not the vault watcher.
      const app = await createApp({ repo: root, dataDir: join(root, '.pdm'), locksFile: join(root, '.pdm', 'locks.json'), keysDir: join(root, '..', 'keys'), webDist: dist, pollMs: 3_600_000, logger: createLogger('silent') });
      await new Promise<void>((r) => app.httpServer.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(app.httpServer.address() as { port: number }).port}`;
      const first: number[] = [];
      const filter: number[] = [];
      let domRows = 0;
      for (let i = 0; i < runs; i++) {
        const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        // A string, so this Node-side file needs no DOM types.
        await ctx.addInitScript("localStorage.setItem('pdm-user', 'bench')");
        const page = await ctx.newPage();
        const t0 = Date.now();
        await page.goto(url);
        await page.getByRole('row').filter({ hasText: 'B000000.mcam' }).waitFor({ timeout: 60_000 });
        first.push(Date.now() - t0);
        domRows = await page.getByRole('row').count();
        const box = page.getByLabel('Filter');
        // One keystroke that narrows the list to a handful of rows.
        await box.fill(`B0012${i}`);
        const t1 = Date.now();
        await box.press('9');
        await page.getByText(`1 of ${n} files`).waitFor({ timeout: 60_000 });
        filter.push(Date.now() - t1);
        await ctx.close();
      }
      await app.close();
      await new Promise<void>((r) => app.httpServer.close(() => r()));
      await rm(root, { recursive: true, force: true });
      rows.push({ files: n, firstRows: summarize(first), filter: summarize(filter), domRows });
    }
  } finally {
    await browser.close();
  }
  return rows;
}

export function printPage(rows: PageRow[]): string {
  const lines = ['| files | first rows p50 / max ms | filter keystroke → list p50 / max ms | rows in the DOM |', '|---:|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.files} | ${fmt(r.firstRows.p50, 0)} / ${fmt(r.firstRows.max, 0)} | ${fmt(r.filter.p50, 0)} / ${fmt(r.filter.max, 0)} | ${r.domRows} |`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = (process.env.BENCH_PAGE_FILES ?? '10000').split(',').map(Number);
  console.log(printPage(await pageBench(sizes)));
}
