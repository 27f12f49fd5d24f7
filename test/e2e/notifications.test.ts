import type { BrowserContext } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { consoleWatch, expectNoAxeViolations, openPerson, pagesPerFile, row } from '../support/pages.js';
import { api, eventually } from '../support/server.js';

const files = Array.from({ length: 60 }, (_, i) => `PN${String(3000 + i)}.mcam`);

describe('notifications in Chromium (CONTRACT §19)', () => {
  const t = pagesPerFile({ push: true, remindAfterMs: 3 * 86_400_000 }, files);
  const watch = consoleWatch();
  let contexts: BrowserContext[] = [];
  afterEach(async () => {
    for (const c of contexts) await c.close();
    contexts = [];
  });

  it('the Notifications panel: switches kept on the server; Notify me when the tab is closed registers the service worker; a push with every tab closed is shown by it', async () => {
    const alice = await openPerson(t.browser, t.server.url, 'alice', watch, 1280, contexts, { context: { permissions: ['notifications'] } });
    const ctx = contexts[0]!;
    await alice.getByRole('button', { name: 'Notifications', exact: true }).click();
    const panel = alice.getByRole('dialog', { name: 'Notifications' });
    const nudgeSwitch = panel.getByRole('checkbox', { name: 'Push: Someone asks you to release a file' });
    await expect.poll(() => nudgeSwitch.isChecked()).toBe(true);
    await expectNoAxeViolations(alice, 'notifications panel');
    await nudgeSwitch.uncheck();
    await eventually(async () => (await api(t.server.url, '/api/notifications?user=alice')).body.settings.push.nudge === false, 15_000, 'the switch kept on the server');
    await nudgeSwitch.check();
    await eventually(async () => (await api(t.server.url, '/api/notifications?user=alice')).body.settings.push.nudge === true, 15_000, 'and back on');

    // Chromium here cannot reach a real push service: the subscription itself is refused (said
    // on the panel), but the service worker is registered, and that is what shows pushes.
    await panel.getByRole('button', { name: 'Notify me when the tab is closed' }).click();
    await panel.getByRole('alert').or(panel.getByRole('status')).waitFor();
    await expect.poll(() => alice.evaluate<string>(`navigator.serviceWorker.getRegistration().then((r) => r?.active?.state ?? 'none')`), { timeout: 15_000 }).toBe('activated');

    // Every PDM Live tab closed; the push arrives through the DevTools protocol.
    const blank = await ctx.newPage();
    const cdp = await ctx.newCDPSession(blank);
    const registrations: Array<{ registrationId: string; scopeURL: string }> = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e: { registrations: Array<{ registrationId: string; scopeURL: string; isDeleted: boolean }> }) => registrations.push(...e.registrations.filter((r) => !r.isDeleted)));
    await cdp.send('ServiceWorker.enable');
    await alice.close();
    const reg = await eventually(() => registrations.find((r) => r.scopeURL.startsWith(t.server.url)), 15_000, 'the registration');
    const payload = { kind: 'nudge', user: 'alice', filename: 'PN3001.mcam', title: 'bob asks you to release PN3001.mcam', body: 'setup waits', at: new Date().toISOString(), url: `${t.server.url}/?file=PN3001.mcam` };
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: new URL(t.server.url).origin, registrationId: reg.registrationId, data: JSON.stringify(payload) });
    const again = await ctx.newPage();
    await again.goto(`${t.server.url}/?file=PN3001.mcam`);
    const shown = await eventually(async () => {
      const n = await again.evaluate<Array<{ title: string; body: string; url: string }>>(`navigator.serviceWorker.getRegistration().then((r) => r ? r.getNotifications() : []).then((list) => list.map((x) => ({ title: x.title, body: x.body, url: x.data.url })))`);
      return n.length > 0 ? n : null;
    }, 15_000, 'the notification shown by the service worker');
    expect(shown).toEqual([{ title: payload.title, body: 'setup waits', url: payload.url }]);
  });

  it('a notice\'s link opens the page at its file; a hold longer than --remind-after is reminded on the page', async () => {
    // alice's hold began four days ago (written as a hand edit of locks.json would).
    await api(t.server.url, '/api/files/checkout', { json: { filename: 'PN3050.mcam', user: 'carol' } });
    const { readFile, writeFile } = await import('node:fs/promises');
    const locks = JSON.parse(await readFile(t.vault.locksFile, 'utf8'));
    locks['PN3050.mcam'].timestamp = new Date(Date.now() - 4 * 86_400_000).toISOString();
    await writeFile(t.vault.locksFile, JSON.stringify(locks, null, 2));
    await eventually(async () => (await api(t.server.url, '/api/files/PN3050.mcam')).body.lock.timestamp === locks['PN3050.mcam'].timestamp, 15_000, 'the edit read');
    const carol = await openPerson(t.browser, `${t.server.url}/?file=PN3050.mcam`, 'carol', watch, 1280, contexts);
    await carol.getByText(/You have held PN3050\.mcam for 4 d 0 h/).waitFor({ timeout: 20_000 });
    // The row has focus (it is drawn inside the table's shadow root).
    await expect.poll(() => row(carol, 'PN3050.mcam').evaluate((el) => el.matches(':focus-within') || el.matches(':focus'), undefined, { timeout: 5000 }), { timeout: 15_000 }).toBe(true);
    await api(t.server.url, '/api/files/checkin', { json: { filename: 'PN3050.mcam', user: 'carol' } });
    watch.expect(false);
  });
});
