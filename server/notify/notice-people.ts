import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { defaultNoticeSettings, NOTICE_CHANNELS, NOTICE_KINDS, type NoticeKind, type NoticeSettings } from '../../shared/notify.js';
import type { PushSubscriptionJson } from '../../shared/notify-schemas.js';
import { AppError } from '../errors.js';
import { writeFileAtomic } from '../storage/durable-files.js';
import { lockFile } from '../storage/file-lock.js';
import { foldName } from '../auth/name-fold.js';

/** Browsers one person may have subscribed at once (the oldest goes first). */
const SUBSCRIPTIONS_PER_PERSON = 10;
/** People the file keeps (a bound on what a page can make it hold). */
const PEOPLE_MAX = 10_000;

/** A browser's subscription, with the VAPID key it was made for (only that key's server can push to it). */
export interface StoredSubscription extends PushSubscriptionJson {
  vapid: string;
  added: string;
}

const personSchema = z.object({
  settings: z.record(z.string(), z.record(z.string(), z.boolean())).optional(),
  push: z.array(z.looseObject({ endpoint: z.string(), keys: z.object({ p256dh: z.string(), auth: z.string() }), vapid: z.string(), added: z.string() })).optional(),
});
const fileSchema = z.object({ people: z.record(z.string(), personSchema) });
type Person = z.infer<typeof personSchema>;

/**
 * What each person wants (switches per channel and kind) and the browsers they subscribed, in
 * `<data>/notify/people.json`: kept per user on the server, shared by the servers of one data
 * folder (changed under its lock, read again when it changed). Names are kept folded, so Carol
 * and carol are one person.
 */
export class NoticePeople {
  private people = new Map<string, Person>();
  /** The file's stat when last read or written. */
  private sig = '';

  constructor(
    readonly file: string,
    private readonly staleMs: number,
  ) {}

  /** Reads the file again when its stat changed (every notice asks: a stat, not a read, when nothing did). */
  async load(): Promise<void> {
    const s = await stat(this.file).catch(() => null);
    if (!s) return;
    const sig = `${s.ino}:${s.size}:${s.mtimeMs}`;
    if (sig === this.sig) return;
    const text = await readFile(this.file, 'utf8').catch(() => null);
    if (text === null) return;
    let json: unknown;
    try {
      json = JSON.parse(text || '{}');
    } catch {
      json = null;
    }
    const parsed = fileSchema.safeParse(json);
    // A broken file (a bad hand edit) keeps the last good one in force; it is never written over
    // until it parses (see change).
    if (!parsed.success) throw new AppError('INTERNAL', `${this.file} is not a PDM Live notifications file: fix it or remove it`);
    this.sig = sig;
    this.people = new Map(Object.entries(parsed.data.people));
  }

  /** One person's switches (everything on unless they turned it off). */
  settings(user: string): NoticeSettings {
    const s = defaultNoticeSettings();
    const saved = this.people.get(foldName(user))?.settings ?? {};
    for (const ch of NOTICE_CHANNELS) for (const k of NOTICE_KINDS) if (typeof saved[ch]?.[k] === 'boolean') s[ch][k] = saved[ch][k];
    return s;
  }

  subscriptions(user: string): StoredSubscription[] {
    return this.people.get(foldName(user))?.push ?? [];
  }

  async setSettings(user: string, changes: Partial<Record<string, Partial<Record<string, boolean | undefined>>>>): Promise<void> {
    await this.change(user, (p) => {
      const s = this.settings(user);
      for (const ch of NOTICE_CHANNELS) for (const [k, on] of Object.entries(changes[ch] ?? {})) if (typeof on === "boolean" && k in s[ch]) s[ch][k as NoticeKind] = on;
      return { ...p, settings: s };
    });
  }

  async subscribe(user: string, sub: PushSubscriptionJson, vapid: string): Promise<void> {
    await this.change(user, (p) => {
      const rest = (p.push ?? []).filter((x) => x.endpoint !== sub.endpoint);
      return { ...p, push: [...rest, { ...sub, vapid, added: new Date().toISOString() }].slice(-SUBSCRIPTIONS_PER_PERSON) };
    });
  }

  /** Drops a subscription: asked by its browser, or expired (the push service answered 404/410). */
  async unsubscribe(user: string, endpoint: string): Promise<void> {
    await this.change(user, (p) => ({ ...p, push: (p.push ?? []).filter((x) => x.endpoint !== endpoint) }));
  }

  private async change(user: string, f: (p: Person) => Person): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const release = await lockFile(this.file, { staleMs: this.staleMs });
    try {
      await this.load();
      const key = foldName(user);
      const next = f(this.people.get(key) ?? {});
      this.people.delete(key);
      this.people.set(key, next);
      if (this.people.size > PEOPLE_MAX) this.people.delete(this.people.keys().next().value!);
      await writeFileAtomic(this.file, JSON.stringify({ people: Object.fromEntries(this.people) }, null, 2) + '\n');
      // What is in memory is what was written: not read back.
      const s = await stat(this.file);
      this.sig = `${s.ino}:${s.size}:${s.mtimeMs}`;
    } finally {
      await release();
    }
  }
}
