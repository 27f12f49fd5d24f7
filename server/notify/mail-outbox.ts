import nodemailer, { type Transporter } from 'nodemailer';
import type { Notice } from '../../shared/notify.js';
import type { Logger } from '../logger.js';

/** One mail per person per minute at most (CONTRACT §19): what comes meanwhile is folded into the next. */
export const MAIL_EVERY_MS = 60_000;
/** Notices one folded mail carries at most (the oldest beyond are counted, not listed). */
const FOLDED_MAX = 50;
/** People with mail waiting at once (a bound on memory). */
const WAITING_MAX = 10_000;

export interface MailSettings {
  /** `smtp://host:port` (STARTTLS when the server offers it) or `smtps://host:port`. */
  smtpUrl: string;
  from: string;
}

export interface OutboxOptions extends MailSettings {
  logger: Logger;
  /** Where a notice's link points: the page, opened at the file. */
  link(filename: string): string;
  now?: () => number;
  /** Tests: a shorter minute. */
  everyMs?: number;
}

/** Text for an HTML mail part (what people typed: messages, reasons, names). */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The subject, text and HTML of one mail carrying `notices` (oldest first). */
export function mailOf(notices: readonly Notice[], link: (filename: string) => string, dropped = 0): { subject: string; text: string; html: string } {
  const subject = notices.length === 1 ? `PDM Live: ${notices[0]!.title}` : `PDM Live: ${notices.length + dropped} notices`;
  const text = notices.map((n) => `${n.title}\n${n.body ? `${n.body}\n` : ''}${link(n.filename)}\n`).join('\n') + (dropped > 0 ? `\n(and ${dropped} more)\n` : '');
  const items = notices.map((n) => `<li><p><strong>${escapeHtml(n.title)}</strong></p>${n.body ? `<p>${escapeHtml(n.body)}</p>` : ''}<p><a href="${escapeHtml(link(n.filename))}">Open ${escapeHtml(n.filename)} in PDM Live</a></p></li>`);
  const html = `<!doctype html><html><body><ul>${items.join('')}</ul>${dropped > 0 ? `<p>(and ${dropped} more)</p>` : ''}</body></html>`;
  return { subject, text, html };
}

/**
 * Personal notices by e-mail (nodemailer over SMTP), at most one mail per person a minute: the
 * first goes at once, what follows within the minute waits and goes folded into one. Failed
 * sends are logged and kept for the next turn, up to FOLDED_MAX per person.
 */
export class MailOutbox {
  private readonly transport: Transporter;
  private readonly waiting = new Map<string, { to: string; notices: Notice[]; dropped: number; timer: NodeJS.Timeout | null }>();
  private readonly lastSent = new Map<string, number>();
  private closed = false;
  /** Sent and failed, for tests and health. */
  readonly figures = { sent: 0, failed: 0 };

  /** Notices waiting for their person's next mail. */
  waitingCount(): number {
    let n = 0;
    for (const w of this.waiting.values()) n += w.notices.length;
    return n;
  }

  constructor(private readonly o: OutboxOptions) {
    this.transport = nodemailer.createTransport(o.smtpUrl);
  }

  /** Queues a notice for `to` (the person's address): sent now, or with the next mail. */
  add(to: string, notice: Notice): void {
    if (this.closed) return;
    const key = notice.user;
    const w = this.waiting.get(key) ?? { to, notices: [], dropped: 0, timer: null };
    w.to = to;
    w.notices.push(notice);
    if (w.notices.length > FOLDED_MAX) {
      w.notices.shift();
      w.dropped++;
    }
    this.waiting.set(key, w);
    if (this.waiting.size > WAITING_MAX) this.waiting.delete(this.waiting.keys().next().value!);
    if (!w.timer) this.schedule(key, w);
  }

  /** A mail of its own (the admins' digest), outside the per-person minute. */
  async sendNow(to: string, mail: { subject: string; text: string; html: string }): Promise<void> {
    try {
      await this.transport.sendMail({ from: this.o.from, to, ...mail });
      this.figures.sent++;
    } catch (err) {
      this.figures.failed++;
      this.o.logger.warn({ err, to }, 'a digest mail could not be sent');
    }
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiting.values()) if (w.timer) clearTimeout(w.timer);
    this.transport.close();
  }

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  private schedule(key: string, w: { timer: NodeJS.Timeout | null }): void {
    const every = this.o.everyMs ?? MAIL_EVERY_MS;
    const wait = Math.max(0, (this.lastSent.get(key) ?? -Infinity) + every - this.now());
    w.timer = setTimeout(() => void this.send(key), wait);
    w.timer.unref();
  }

  private async send(key: string): Promise<void> {
    const w = this.waiting.get(key);
    if (!w || this.closed) return;
    this.waiting.delete(key);
    this.lastSent.delete(key);
    this.lastSent.set(key, this.now());
    if (this.lastSent.size > WAITING_MAX) this.lastSent.delete(this.lastSent.keys().next().value!);
    const { subject, text, html } = mailOf(w.notices, (f) => this.o.link(f), w.dropped);
    try {
      await this.transport.sendMail({ from: this.o.from, to: w.to, subject, text, html });
      this.figures.sent++;
    } catch (err) {
      this.figures.failed++;
      this.o.logger.warn({ err, to: w.to }, 'a notification mail could not be sent; it goes with the next one');
      for (const n of w.notices) this.add(w.to, n);
      return;
    }
    // Notices that came while this one was being sent wait for the next minute.
    const next = this.waiting.get(key);
    if (next && !next.timer) this.schedule(key, next);
  }
}
