import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { printable } from './printable.js';
import { io, type Socket } from 'socket.io-client';
import type { ActivityEvent, ClientToServerEvents, HandshakeAuth, ServerToClientEvents } from '../../shared/protocol.js';
import { UsageError } from './settings.js';
import { tokenOf } from './client.js';

export interface WatchFlags {
  url: string;
  log?: string;
  user?: string;
  token?: string;
  tokenFile?: string;
}

/** One readable line for a person, e.g. `10:00:02 checkout PN1001.mcam by alice: "Working on it"`. */
export function describeActivity(e: ActivityEvent): string {
  const time = e.at.slice(11, 19);
  const who = e.user ? ` by ${e.user}` : '';
  const prev = e.handoff ? ` (handed over by ${e.previous_user ?? 'the holder'})` : e.previous_user && e.previous_user !== e.user ? ` (held by ${e.previous_user})` : '';
  const msg = e.message ? `: "${e.message}"` : '';
  return printable(`${time} ${e.type} ${e.filename ?? ''}${who}${prev}${msg} [${e.source}]`);
}

function lastLoggedId(file: string | undefined): string | undefined {
  if (!file || !existsSync(file)) return undefined;
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const id = (JSON.parse(lines[i]!) as ActivityEvent).id;
      if (id) return id;
    } catch {
      /* a torn last line: look further up */
    }
  }
  return undefined;
}

/**
 * `pdm-live watch`: subscribes to a server's events. After every (re)connection it fetches what
 * it missed with `/api/activity?after=<last id>`; ids already handled are skipped, so the log has
 * no gap and no duplicate across restarts of either side.
 */
export async function watchEvents(flags: WatchFlags): Promise<void> {
  let base: URL;
  try {
    base = new URL(flags.url);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new UsageError(`invalid --url "${flags.url}": expected http://HOST:PORT`);
  }
  const token = tokenOf(flags);
  let lastId = lastLoggedId(flags.log);
  const seen = new Set<string>(lastId ? [lastId] : []);
  const handle = (e: ActivityEvent) => {
    if (seen.has(e.id)) return;
    seen.add(e.id);
    if (seen.size > 50_000) seen.delete(seen.values().next().value!);
    lastId = e.id;
    process.stdout.write(describeActivity(e) + '\n');
    if (flags.log) appendFileSync(flags.log, JSON.stringify(e) + '\n');
  };
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};

  // Live events that arrive while catching up wait, so the log stays in the server's order.
  let catchingUp: Promise<void> = Promise.resolve();
  const catchUp = async () => {
    for (let page = 0; page < 1000; page++) {
      const q = new URLSearchParams({ limit: '1000' });
      if (lastId) q.set('after', lastId);
      else q.set('limit', '100');
      const res = await fetch(new URL(`/api/activity?${q.toString()}`, base), { headers });
      if (!res.ok) throw new Error(`GET /api/activity answered ${res.status}`);
      const { events } = (await res.json()) as { events: ActivityEvent[] };
      const fresh = events.filter((e) => !seen.has(e.id));
      fresh.forEach(handle);
      if (!lastId || events.length < 1000 || fresh.length === 0) return;
    }
  };

  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(base.origin, {
    auth: { ...(flags.user ? { user: flags.user } : {}), ...(token ? { token } : {}) } satisfies HandshakeAuth,
    reconnectionDelay: 250,
    reconnectionDelayMax: 5000,
    extraHeaders: headers,
  });
  socket.on('connect', () => {
    process.stderr.write(`connected to ${base.origin}\n`);
    catchingUp = catchingUp.then(catchUp).catch((err: unknown) => {
      process.stderr.write(`catch-up failed: ${(err as Error).message}\n`);
    });
  });
  socket.on('disconnect', (reason) => process.stderr.write(`disconnected (${reason}); reconnecting…\n`));
  socket.on('connect_error', (err) => process.stderr.write(`cannot connect: ${err.message}; retrying…\n`));
  socket.on('activity', (e) => {
    catchingUp = catchingUp.then(() => handle(e));
  });
  socket.on('health', (h) => process.stdout.write(`${printable(`health ${h.status}${h.detail ? `: ${h.detail}` : ''}`)}\n`));

  await new Promise<void>((resolve) => {
    const stop = () => {
      socket.close();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await catchingUp;
  process.exit(0);
}
