import type { Browser, BrowserContext, Page } from 'playwright-core';

/** The row of a file in the lock board (also in the virtualized list). */
export const row = (page: Page, name: string) => page.getByRole('row').filter({ hasText: name });

/** Records console errors and page errors, unless `quiet()` says they are expected right now. */
export function consoleWatch() {
  const errors: string[] = [];
  let expecting = false;
  return {
    errors,
    expect(on: boolean) {
      expecting = on;
    },
    attach(page: Page, who: string) {
      page.on('console', (m) => m.type() === 'error' && !expecting && errors.push(`${who}: ${m.text()}`));
      page.on('pageerror', (e) => errors.push(`${who}: ${e.message}`));
    },
  };
}

export type ConsoleWatch = ReturnType<typeof consoleWatch>;

/** A person in their own browser context, named through the open-mode prompt, waiting for `Live`. */
export async function openPerson(browser: Browser, url: string, name: string, watch: ConsoleWatch, width = 1280, contexts?: BrowserContext[]): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width, height: 800 } });
  contexts?.push(ctx);
  const page = await ctx.newPage();
  watch.attach(page, name);
  await page.goto(url);
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
  return page;
}
