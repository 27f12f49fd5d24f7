import { createHash, createHmac } from 'node:crypto';
import { join } from 'node:path';
import type { ActivityEvent } from '../../shared/protocol.js';
import type { Logger } from '../logger.js';
import { LogFollower } from './log-follower.js';

/** How long an entry is retried before it is given up (counted as dropped). */
const RETRY_FOR_MS = 24 * 3600_000;
/** One POST's limit: a hook that hangs is a failed delivery, retried. */
const DELIVERY_TIMEOUT_MS = 10_000;

/** What a hook has done, for /metrics and /api/health's detail. */
export interface HookFigures {
  url: string;
  delivered: number;
  failed: number;
  dropped: number;
  lastDelivered: string | null;
  lastError: string | null;
}

export interface WebhookOptions {
  urls: readonly string[];
  /** HMAC key of `X-PDM-Signature` (none: the header is left out). */
  secret: string | null;
  /** `<data>/activity.jsonl`: the queue itself (durable, ordered, shared by the servers). */
  activityFile: string;
  dataDir: string;
  staleMs: number;
  logger: Logger;
  /** Waited for before each delivery (see webhook-thread.ts). */
  pace?: () => Promise<void>;
  /** Tests: a clock and a shorter first retry. */
  now?: () => number;
  firstRetryMs?: number;
}

interface Hook {
  url: string;
  figures: HookFigures;
  follower: LogFollower;
}

/**
 * Webhooks (CONTRACT §19): every activity entry POSTed as JSON to each hook, in the log's order,
 * signed (`X-PDM-Signature: sha256=<hex HMAC of the body>`) and named (`X-PDM-Delivery: <id>`).
 * Each hook follows the log from a cursor of its own in `<data>/webhooks/` (LogFollower): at least
 * once, through one server at a time, behind the commands and never in their way.
 */
export class Webhooks {
  private readonly hooks: Hook[];

  constructor(private readonly o: WebhookOptions) {
    this.hooks = o.urls.map((url) => {
      const figures: HookFigures = { url, delivered: 0, failed: 0, dropped: 0, lastDelivered: null, lastError: null };
      const hook: Hook = {
        url,
        figures,
        follower: new LogFollower({
          activityFile: o.activityFile,
          cursorFile: join(o.dataDir, 'webhooks', `${createHash('sha256').update(url).digest('hex').slice(0, 16)}.json`),
          key: url,
          staleMs: o.staleMs,
          logger: o.logger,
          ...(o.firstRetryMs !== undefined ? { firstRetryMs: o.firstRetryMs } : {}),
          ...(o.pace ? { pace: o.pace } : {}),
          handle: (entry) => this.post(hook, entry),
          giveUp: (entry) => this.givenUp(hook, entry),
        }),
      };
      return hook;
    });
  }

  async start(): Promise<void> {
    for (const h of this.hooks) await h.follower.start();
  }

  /** New entries were appended (by anyone): each hook delivers what it has not. */
  wake(): void {
    for (const h of this.hooks) h.follower.wake();
  }

  figures(): HookFigures[] {
    return this.hooks.map((h) => ({ ...h.figures }));
  }

  /** For /api/health's detail: a hook failing right now, or null. */
  problem(): string | null {
    const h = this.hooks.find((x) => x.follower.failingSince !== null);
    return h ? `webhook ${h.url} failing since ${new Date(h.follower.failingSince!).toISOString()} (${h.figures.lastError ?? 'error'}): entries are kept and retried for 24 h` : null;
  }

  async close(): Promise<void> {
    for (const h of this.hooks) await h.follower.close();
  }

  /** An entry older than RETRY_FOR_MS is given up (counted as dropped). */
  private givenUp(h: Hook, entry: ActivityEvent): boolean {
    const now = this.o.now?.() ?? Date.now();
    if (now - Date.parse(entry.at) < RETRY_FOR_MS) return false;
    h.figures.dropped++;
    return true;
  }

  private async post(h: Hook, entry: ActivityEvent): Promise<boolean> {
    const body = JSON.stringify(entry);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'pdm-live-webhook', 'x-pdm-delivery': entry.id };
    if (this.o.secret) headers['x-pdm-signature'] = `sha256=${createHmac('sha256', this.o.secret).update(body).digest('hex')}`;
    try {
      const res = await fetch(h.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS), redirect: 'manual' });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) {
        h.follower.recovered();
        h.figures.delivered++;
        h.figures.lastDelivered = new Date().toISOString();
        return true;
      }
      h.figures.lastError = `HTTP ${res.status}`;
    } catch (err) {
      h.figures.lastError = (err as Error).message;
    }
    h.figures.failed++;
    return false;
  }
}
