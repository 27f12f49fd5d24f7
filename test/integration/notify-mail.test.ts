import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { api, eventually, startServer, type TestServer } from '../support/server.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';
import { writeUsersFile } from '../support/users.js';
import { startSmtp, textPart } from '../support/smtp.js';
import { connect, type Observer } from '../support/sockets.js';

const DAY = 86_400_000;

describe('notifications by e-mail and reminders (CONTRACT §19)', () => {
  let vault: TempVault;
  let server: TestServer | null = null;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let sockets: Observer[] = [];
  afterEach(async () => {
    for (const s of sockets) s.socket.close();
    sockets = [];
    await server?.close();
    server = null;
    await smtp.close();
    await vault.cleanup();
  });

  async function start(clock?: () => number) {
    vault = await makeVault(['PN1001.mcam', 'PN1002.mcam', 'PN1003.mcam', 'PN1004.mcam']);
    smtp = await startSmtp();
    const usersFile = join(vault.outside, 'users.json');
    await writeUsersFile(usersFile, { alice: ['alice password 1', 'user', 'alice@shop.test'], bob: ['bob password 1', 'user', 'bob@shop.test'], boss: ['boss password 1', 'admin', 'boss@shop.test'] });
    server = await startServer(vault, { usersFile, mail: { smtpUrl: smtp.url, from: 'PDM Live <pdm@shop.test>' }, publicUrl: 'http://cam-server:8080', mailEveryMs: 1000, remindAfterMs: 3 * DAY, ...(clock ? { notifyClock: clock } : {}) });
    const token = async (user: string) => (await api(server!.url, '/api/session', { json: { user, password: `${user} password 1` } })).body.token as string;
    const as = async (user: string) => ({ authorization: `Bearer ${await token(user)}` });
    return { alice: await as('alice'), bob: await as('bob'), boss: await as('boss'), token };
  }

  it('a nudge to someone with no page open is mailed over STARTTLS (text and HTML, a link to the file); more within the minute come folded into one mail', async () => {
    const h = await start();
    for (const f of ['PN1001.mcam', 'PN1002.mcam', 'PN1003.mcam']) expect((await api(server!.url, '/api/files/checkout', { json: { filename: f }, headers: h.alice })).status).toBe(200);
    expect((await api(server!.url, '/api/files/nudge', { json: { filename: 'PN1001.mcam', message: 'need it for the 5-axis job' }, headers: h.bob })).body.holder_online).toBe(false);
    const first = await eventually(() => smtp.mails[0], 15_000, 'the first mail');
    expect(first.secure).toBe(true);
    expect(first.to).toEqual(['alice@shop.test']);
    expect(first.raw).toMatch(/Subject: PDM Live: bob asks you to release PN1001\.mcam/);
    expect(first.raw).toMatch(/Content-Type: multipart\/alternative/);
    expect(first.raw).toMatch(/Content-Type: text\/html/);
    expect(textPart(first.raw)).toContain('need it for the 5-axis job');
    expect(textPart(first.raw)).toContain('http://cam-server:8080/?file=PN1001.mcam');
    // Two more within the minute: one more mail, with both.
    await api(server!.url, '/api/files/nudge', { json: { filename: 'PN1002.mcam' }, headers: h.bob });
    await api(server!.url, '/api/files/nudge', { json: { filename: 'PN1003.mcam' }, headers: h.bob });
    const second = await eventually(() => smtp.mails[1], 15_000, 'the folded mail');
    expect(second.raw).toMatch(/Subject: PDM Live: 2 notices/);
    expect(textPart(second.raw)).toContain('PN1002.mcam');
    expect(textPart(second.raw)).toContain('PN1003.mcam');
    const figures = server!.app.notifier.mailFigures();
    expect(figures).toEqual({ sent: 2, failed: 0, waiting: 0 });
  });

  it('someone with a page open gets it there, not by mail; a forced release and a hand-off are mailed to whoever they concern; switches turn a kind off', async () => {
    const h = await start();
    await api(server!.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam' }, headers: h.alice });
    const alicePage = await connect(server!.url, 'alice', { token: await h.token('alice') });
    sockets.push(alicePage);
    expect((await api(server!.url, '/api/files/nudge', { json: { filename: 'PN1001.mcam' }, headers: h.bob })).body.holder_online).toBe(true);
    await eventually(() => alicePage.received.find((e) => e.event === "lock:nudged"), 15_000, 'the nudge on the page');
    alicePage.socket.close();
    sockets = [];
    // bob waits; boss forces alice's lock: alice is told (forced), bob gets the file (handoff).
    await api(server!.url, '/api/files/wait', { json: { filename: 'PN1001.mcam' }, headers: h.bob });
    // bob does not want hand-off mails.
    const off = await api(server!.url, '/api/notifications', { method: 'PUT', json: { settings: { mail: { handoff: false } } }, headers: h.bob });
    expect(off.body.settings.mail.handoff).toBe(false);
    expect(off.body.email).toBe('bob@shop.test');
    await eventually(async () => !(await api(server!.url, '/api/presence', { headers: h.bob })).body.users.find((u: { user: string; online: boolean }) => u.user === 'alice')?.online, 15_000, 'alice offline');
    expect((await api(server!.url, '/api/files/checkin', { json: { filename: 'PN1001.mcam', force: true, reason: 'alice is on holiday' }, headers: h.boss })).status).toBe(200);
    const forced = await eventually(() => smtp.mails.find((m) => m.to.includes('alice@shop.test')), 15_000, 'the forced-release mail');
    expect(forced.raw).toMatch(/Subject: PDM Live: boss force-released PN1001\.mcam/);
    expect(textPart(forced.raw)).toContain('alice is on holiday');
    // Everything before the force was handled in order: no nudge mail (alice was online), no hand-off mail (switched off).
    await api(server!.url, '/api/files/nudge', { json: { filename: 'PN1001.mcam' }, headers: h.alice });
    await eventually(() => smtp.mails.find((m) => m.to.includes('bob@shop.test')), 15_000, 'the nudge to bob');
    expect(smtp.mails.map((m) => m.to[0])).toEqual(['alice@shop.test', 'bob@shop.test']);
    expect(smtp.mails[1]!.raw).toMatch(/alice asks you to release PN1001\.mcam/);
  });

  it('reminders: a hold longer than --remind-after reminds its holder once a day, an overdue until too; admins get one digest a day, longest first (an injected clock)', async () => {
    let now = Date.now();
    const h = await start(() => now);
    await api(server!.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam' }, headers: h.alice });
    await api(server!.url, '/api/files/checkout', { json: { filename: 'PN1002.mcam', until: new Date(now + 3_600_000).toISOString() }, headers: h.bob });
    const notifier = server!.app.notifier;
    // Today: nothing is long or overdue.
    expect(await notifier.reminders.tick()).toBe(true);
    expect(notifier.mailFigures()).toEqual({ sent: 0, failed: 0, waiting: 0 });
    // Two hours on: bob is past his until (once), alice is not yet reminded; the digest lists bob.
    now += 2 * 3_600_000;
    await notifier.reminders.tick();
    await eventually(() => smtp.mails.length === 2, 15_000, 'bob\'s reminder and the digest');
    const bobMail = smtp.mails.find((m) => m.to.includes('bob@shop.test'))!;
    expect(bobMail.raw).toMatch(/Subject: PDM Live: PN1002\.mcam is overdue/);
    const digest1 = smtp.mails.find((m) => m.to.includes('boss@shop.test'))!;
    expect(digest1.raw).toMatch(/Subject: PDM Live: 1 long check-out /);
    await notifier.reminders.tick();
    // Four days on: each holder once more, and a digest with both, the longest hold first.
    now += 4 * DAY;
    await notifier.reminders.tick();
    await eventually(() => smtp.mails.length === 5, 15_000, 'two reminders and a digest');
    const digest2 = smtp.mails.slice(2).find((m) => m.to.includes('boss@shop.test'))!;
    const text = textPart(digest2.raw);
    expect(text.indexOf('PN1001.mcam')).toBeLessThan(text.indexOf('PN1002.mcam'));
    expect(text).toMatch(/PN1002\.mcam\s+bob\s+held .*OVERDUE/);
    expect(digest2.raw).toMatch(/<table>/);
    // The same day again: nothing new.
    await notifier.reminders.tick();
    now += 3_600_000;
    await notifier.reminders.tick();
    expect(server!.app.notifier.mailFigures()).toEqual({ sent: 5, failed: 0, waiting: 0 });
    expect(smtp.mails).toHaveLength(5);
  });
});
