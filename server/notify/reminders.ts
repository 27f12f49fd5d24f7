import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LocksMap } from '../../shared/protocol.js';
import type { Notice } from '../../shared/notify.js';
import { formatSeconds, localDay, localTime } from '../../shared/durations.js';
import { writeFileAtomic } from '../storage/durable-files.js';
import { lockFile } from '../storage/file-lock.js';
import { escapeHtml } from './mail-outbox.js';

/** A check-out that deserves a reminder: held longer than `--remind-after`, or past its `until`. */
export interface LongHold {
  filename: string;
  user: string;
  since: string;
  until: string | null;
  overdue: boolean;
  heldMs: number;
}

/** The holds due a reminder at `now`, longest first. */
export function longHolds(locks: LocksMap, now: number, remindAfterMs: number): LongHold[] {
  const out: LongHold[] = [];
  for (const [filename, l] of Object.entries(locks)) {
    const since = Date.parse(l.timestamp);
    if (!Number.isFinite(since)) continue;
    const overdue = l.until !== undefined && Date.parse(l.until) < now;
    if (now - since >= remindAfterMs || overdue) out.push({ filename, user: l.user, since: l.timestamp, until: l.until ?? null, overdue, heldMs: now - since });
  }
  return out.sort((a, b) => b.heldMs - a.heldMs || (a.filename < b.filename ? -1 : 1));
}

/** The reminder notice of one hold. */
export function reminderOf(h: LongHold, now: number): Notice {
  const held = `You have held ${h.filename} for ${formatSeconds(h.heldMs / 1000)}`;
  return {
    kind: 'reminder',
    user: h.user,
    filename: h.filename,
    title: h.overdue ? `${h.filename} is overdue` : `${h.filename} is still checked out to you`,
    body: `${held}${h.until ? ` (until ${localTime(h.until, now)})` : ''}. Check it in when you are done, or set a new Until.`,
    at: new Date(now).toISOString(),
  };
}

/** The admins' daily digest of long holds, sorted by age: text and HTML. */
export function digestOf(holds: readonly LongHold[], now: number, link: (filename: string) => string): { subject: string; text: string; html: string } {
  const line = (h: LongHold) => `${h.filename}  ${h.user}  held ${formatSeconds(h.heldMs / 1000)}${h.overdue ? '  OVERDUE' : ''}${h.until ? `  until ${localTime(h.until, now)}` : ''}`;
  return {
    subject: `PDM Live: ${holds.length} long check-out${holds.length === 1 ? '' : 's'} (${localDay(now)})`,
    text: `Check-outs held long or past their until, longest first:\n\n${holds.map(line).join('\n')}\n`,
    html: `<!doctype html><html><body><p>Check-outs held long or past their until, longest first:</p><table><thead><tr><th>File</th><th>Holder</th><th>Held for</th><th>Until</th></tr></thead><tbody>${holds
      .map((h) => `<tr><td><a href="${escapeHtml(link(h.filename))}">${escapeHtml(h.filename)}</a></td><td>${escapeHtml(h.user)}</td><td>${formatSeconds(h.heldMs / 1000)}${h.overdue ? ' <strong>overdue</strong>' : ''}</td><td>${h.until ? escapeHtml(localTime(h.until, now)) : ''}</td></tr>`)
      .join('')}</tbody></table></body></html>`,
  };
}

interface Sent {
  /** `user\0file` → the local day its holder was last reminded. */
  reminded: Record<string, string>;
  /** The local day of the last digest. */
  digest: string | null;
}

export interface RemindersOptions {
  /** `<data>/notify/reminders.json`: who was reminded of what on which day, shared by the servers. */
  file: string;
  staleMs: number;
  remindAfterMs: number;
  locks(): LocksMap;
  now(): number;
  /** One hold's reminder, by every channel its holder has (push, mail). */
  remind(notice: Notice): Promise<void>;
  /** The admins' digest. */
  digest(holds: LongHold[]): Promise<void>;
}

/**
 * Reminders (CONTRACT §19): each hold held longer than `--remind-after` or past its `until`
 * reminds its holder once a local day, and admins get one digest a day. What was sent is kept in
 * the data folder under its lock, so several servers (and restarts) send each once. `tick` is
 * called by a timer (and by tests, with their own clock).
 */
export class Reminders {
  constructor(private readonly o: RemindersOptions) {}

  /** Sends what is due today and not sent yet; false when another server is at it now. */
  async tick(): Promise<boolean> {
    await mkdir(dirname(this.o.file), { recursive: true });
    let release: () => Promise<void>;
    try {
      release = await lockFile(this.o.file, { staleMs: this.o.staleMs, waitMs: 0 });
    } catch {
      return false;
    }
    try {
      const now = this.o.now();
      const today = localDay(now);
      const sent = await this.read();
      const holds = longHolds(this.o.locks(), now, this.o.remindAfterMs);
      const reminded: Record<string, string> = {};
      for (const h of holds) {
        const key = `${h.user}\u0000${h.filename}`;
        reminded[key] = sent.reminded[key] ?? '';
        if (reminded[key] === today) continue;
        await this.o.remind(reminderOf(h, now));
        reminded[key] = today;
      }
      let digest = sent.digest;
      if (holds.length > 0 && digest !== today) {
        await this.o.digest(holds);
        digest = today;
      }
      await writeFileAtomic(this.o.file, JSON.stringify({ reminded, digest } satisfies Sent) + '\n', { durable: false });
      return true;
    } finally {
      await release();
    }
  }

  private async read(): Promise<Sent> {
    try {
      const s = JSON.parse(await readFile(this.o.file, 'utf8')) as Partial<Sent>;
      return { reminded: typeof s.reminded === 'object' && (s.reminded as unknown) !== null ? s.reminded : {}, digest: typeof s.digest === 'string' ? s.digest : null };
    } catch {
      return { reminded: {}, digest: null };
    }
  }
}
