import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { expect } from 'vitest';

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

/** axe-core over the page as it is now: no violations (the list names each, in `state`). */
export async function expectNoAxeViolations(page: Page, state: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  expect(violations.map((v) => `${state}: ${v.id} (${v.impact ?? ''}) ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`)).toEqual([]);
}

/**
 * A person in their own browser context, named through the open-mode prompt, waiting for `Live`.
 * `extra`: more context options (permissions, colour scheme), and a step before the page loads
 * (a fake clock).
 */
export async function openPerson(
  browser: Browser,
  url: string,
  name: string,
  watch: ConsoleWatch,
  width = 1280,
  contexts?: BrowserContext[],
  extra: { context?: BrowserContextOptions; setup?: (ctx: BrowserContext) => Promise<void> } = {},
): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width, height: 800 }, ...extra.context });
  contexts?.push(ctx);
  await extra.setup?.(ctx);
  const page = await ctx.newPage();
  watch.attach(page, name);
  await page.goto(url);
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
  return page;
}
