import { join } from 'node:path';
import type { LockInfo, LocksMap } from '../../shared/protocol.js';
import type { Notice, NotificationsBody, NoticeChannel, NoticeKind } from '../../shared/notify.js';
import type { PushSubscriptionJson } from '../../shared/notify-schemas.js';
import type { Logger } from '../logger.js';
import { LogFollower } from './log-follower.js';
import { MailOutbox, type MailSettings } from './mail-outbox.js';
import { NoticePeople } from './notice-people.js';
import { noticesOf } from './personal-notices.js';
import { isPushService, loadVapidKeys, sendPush, type VapidKeys } from './push-sender.js';
import { digestOf, Reminders, type LongHold } from './reminders.js';
import { AppError } from '../errors.js';

/** How often reminders are looked for (each is sent once a day; a digest once a day). */
const REMIND_EVERY_MS = 15 * 60_000;

export interface NotifierOptions {
  dataDir: string;
  keysDir: string;
  activityFile: string;
  staleMs: number;
  logger: Logger;
  /** `--push`: Web Push with VAPID keys in keysDir. */
  push: boolean;
  /** Where subscriptions may point (PUSH_SERVICES; tests add their local push service). */
  pushServices: readonly string[];
  /** `--smtp-url` and `--mail-from`; null: no mail. */
  mail: MailSettings | null;
  /** The page's address, for links (`/?file=NAME` opens it at the file). */
  publicUrl(): string;
  remindAfterMs: number;
  locks(): LocksMap;
  lockOf(filename: string): LockInfo | null;
  /** Whether someone has a page open on any server sharing the data folder, and when they were last seen. */
  presence(user: string): { online: boolean; last_seen: string | null };
  /** A person's e-mail address (users file, directory), or null. */
  addressOf(user: string): Promise<string | null>;
  /** The admins the digest goes to. */
  admins(): Promise<string[]>;
  /** Tests: the clock and a shorter mail minute. */
  now?: () => number;
  mailEveryMs?: number;
}

/**
 * Personal notices beyond the page (CONTRACT §19): follows the activity log (its own cursor in
 * `<data>/notify/`, one server at a time) and turns each entry's notices (personal-notices.ts)
 * into Web Push and e-mail as each person's switches say; mail only to whoever has no page open,
 * one a minute at most. Reminders and the admins' digest come from a timer.
 */
export class Notifier {
  readonly people: NoticePeople;
  private vapid: VapidKeys | null = null;
  private readonly outbox: MailOutbox | null;
  private readonly follower: LogFollower;
  readonly reminders: Reminders;
  private timer: NodeJS.Timeout | null = null;
  /** Pushes sent, failed, and subscriptions dropped as expired. */
  readonly pushFigures = { sent: 0, failed: 0, dropped: 0 };

  constructor(private readonly o: NotifierOptions) {
    const dir = join(o.dataDir, 'notify');
    this.people = new NoticePeople(join(dir, 'people.json'), o.staleMs);
    this.channels = [...(o.push ? (['push'] as const) : []), ...(o.mail ? (['mail'] as const) : [])];
    this.outbox = o.mail ? new MailOutbox({ ...o.mail, logger: o.logger, link: (f) => this.link(f), ...(o.now ? { now: o.now } : {}), ...(o.mailEveryMs ? { everyMs: o.mailEveryMs } : {}) }) : null;
    this.follower = new LogFollower({
      activityFile: o.activityFile,
      cursorFile: join(dir, 'notices.json'),
      key: 'personal notices',
      staleMs: o.staleMs,
      logger: o.logger,
      handle: async (entry) => {
        for (const n of noticesOf(entry, (f) => o.lockOf(f))) await this.deliver(n);
        return true;
      },
    });
    this.reminders = new Reminders({
      file: join(dir, 'reminders.json'),
      staleMs: o.staleMs,
      remindAfterMs: o.remindAfterMs,
      locks: () => o.locks(),
      now: () => this.now(),
      remind: (n) => this.deliver(n, true),
      digest: (holds) => this.digest(holds),
    });
  }

  /** Whether anything leaves the page at all (push or mail). */
  readonly channels: readonly NoticeChannel[];

  async start(): Promise<void> {
    if (this.o.push) this.vapid = await loadVapidKeys(this.o.keysDir);
    await this.people.load().catch((err: unknown) => this.o.logger.error({ err }, 'notification settings cannot be read'));
    // Nothing leaves the page: no log to follow, no reminders to send (the page reminds by itself).
    if (this.channels.length === 0) return;
    await this.follower.start();
    const tick = () => void this.reminders.tick().catch((err: unknown) => this.o.logger.warn({ err }, 'reminders failed; tried again later'));
    this.timer = setInterval(tick, REMIND_EVERY_MS);
    this.timer.unref();
    tick();
  }

  wake(): void {
    if (this.channels.length > 0) this.follower.wake();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.follower.close();
    this.outbox?.close();
  }

  /** `/?file=NAME`: the page opened at the file. */
  link(filename: string): string {
    return `${this.o.publicUrl().replace(/\/+$/, '')}/?file=${encodeURIComponent(filename)}`;
  }

  /** What `GET /api/notifications` tells `user`. */
  async body(user: string): Promise<NotificationsBody> {
    await this.people.load().catch(() => undefined);
    return {
      user,
      push_key: this.vapid?.publicKey ?? null,
      push_subscriptions: this.people.subscriptions(user).length,
      mail: this.outbox !== null,
      email: this.outbox ? await this.o.addressOf(user) : null,
      settings: this.people.settings(user),
      remind_after_s: Math.round(this.o.remindAfterMs / 1000),
    };
  }

  async setSettings(user: string, settings: Partial<Record<NoticeChannel, Partial<Record<NoticeKind, boolean | undefined>>>>): Promise<NotificationsBody> {
    await this.people.setSettings(user, settings);
    return this.body(user);
  }

  async subscribe(user: string, sub: PushSubscriptionJson): Promise<NotificationsBody> {
    if (!this.vapid) throw new AppError('NOT_FOUND', 'Web Push is off on this server (--push).');
    if (!isPushService(sub.endpoint, this.o.pushServices)) throw new AppError('INVALID_REQUEST', `Invalid request: subscription.endpoint is not a browser push service (${new URL(sub.endpoint).host}).`);
    await this.people.subscribe(user, sub, this.vapid.publicKey);
    return this.body(user);
  }

  async unsubscribe(user: string, endpoint: string): Promise<NotificationsBody> {
    await this.people.unsubscribe(user, endpoint);
    return this.body(user);
  }

  /** One notice by push and mail, as its person's switches say (mail only when they have no page open, or for a reminder). */
  async deliver(n: Notice, evenOnline = false): Promise<void> {
    await this.people.load().catch(() => undefined);
    const s = this.people.settings(n.user);
    if (this.vapid && s.push[n.kind]) await this.push(n);
    if (this.outbox && s.mail[n.kind] && (evenOnline || !this.sawIt(n))) {
      const to = await this.o.addressOf(n.user).catch(() => null);
      if (to) this.outbox.add(to, n);
    }
  }

  /** The person had a page open when it happened (or has one now): the page told them. */
  private sawIt(n: Notice): boolean {
    const p = this.o.presence(n.user);
    return p.online || (p.last_seen !== null && Date.parse(p.last_seen) >= Date.parse(n.at));
  }

  /** Figures for tests and /metrics: mails sent and failed, notices waiting for their mail. */
  mailFigures(): { sent: number; failed: number; waiting: number } | null {
    return this.outbox ? { ...this.outbox.figures, waiting: this.outbox.waitingCount() } : null;
  }

  private async push(n: Notice): Promise<void> {
    const vapid = this.vapid!;
    const subject = this.o.mail ? `mailto:${this.o.mail.from.replace(/^.*<|>.*$/g, '')}` : 'mailto:pdm-live@localhost';
    for (const sub of this.people.subscriptions(n.user)) {
      if (sub.vapid !== vapid.publicKey) continue; // made with another server's key
      const result = await sendPush(vapid, subject, sub, { ...n, url: this.link(n.filename) });
      if (result === 'gone') {
        this.pushFigures.dropped++;
        await this.people.unsubscribe(n.user, sub.endpoint).catch(() => undefined);
      } else this.pushFigures[result]++;
    }
  }

  private async digest(holds: LongHold[]): Promise<void> {
    const now = this.now();
    await this.people.load().catch(() => undefined);
    for (const admin of await this.o.admins()) {
      const on = this.people.settings(admin);
      if (this.vapid && on.push.reminder) await this.push({ kind: 'reminder', user: admin, filename: holds[0]!.filename, title: `${holds.length} long check-outs today`, body: holds.slice(0, 5).map((h) => `${h.filename} (${h.user})`).join(', '), at: new Date(now).toISOString() });
      const to = this.outbox && on.mail.reminder ? await this.o.addressOf(admin).catch(() => null) : null;
      if (to) await this.outbox!.sendNow(to, digestOf(holds, now, (f) => this.link(f)));
    }
  }

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }
}
