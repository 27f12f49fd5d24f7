import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import type { AppOptions } from '../../server/app.js';
import { launchChromium } from './browser.js';
import { builtWeb } from './processes.js';
import { startServer, type TestServer } from './server.js';
import { makeVault, type TempVault } from './temp-vault.js';

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

/** What `pagesPerFile` makes: one vault, one server serving the page, one Chromium. */
export interface PageFixture {
  vault: TempVault;
  server: TestServer;
  browser: Browser;
}

/**
 * One vault (with `files`, else the sample ones), one in-process server serving the built page
 * with `options`, and one headless Chromium for every test of the calling `describe`: made in
 * beforeAll (before the describe's own), closed in afterAll. `options` may be a function of the
 * vault (a users file beside it, say).
 */
export function pagesPerFile(options: Partial<AppOptions> | ((vault: TempVault) => Promise<Partial<AppOptions>>) = {}, files?: string[]): PageFixture {
  const t = {} as PageFixture;
  beforeAll(async () => {
    t.vault = await makeVault(files);
    const more = typeof options === 'function' ? await options(t.vault) : options;
    t.server = await startServer(t.vault, { webDist: builtWeb(), ...more });
    t.browser = await launchChromium();
  });
  afterAll(async () => {
    await t.browser?.close();
    await t.server?.close();
    await t.vault?.cleanup();
  });
  return t;
}
