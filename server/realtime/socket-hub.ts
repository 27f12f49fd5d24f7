import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { ActivityEvent, ClientToServerEvents, HealthBody, PresenceEntry, RevisionedEvent, ServerToClientEvents } from '../../shared/protocol.js';
import { clientKey, type Identity } from '../auth/identity.js';
import { AppError } from '../errors.js';
import type { FileBoard } from '../files/file-board.js';
import { parseInput, syncSchema } from '../files/command-schemas.js';
import { COMMANDS, socketSchema, variantOf } from '../commands/command-table.js';
import type { Nudges } from '../files/nudges.js';
import type { Presence } from './presence.js';
import type { UndoCheckout } from '../versions/undo-checkout.js';
import type { StateCommands } from '../states/state-commands.js';
import type { Caller, FileCommands } from '../files/file-commands.js';
import type { Logger } from '../logger.js';
import { answer } from './ack.js';
import { corkWrites } from './corked-writes.js';
import { SnapshotSender } from './snapshot-sender.js';
import { bufferedBytes, dropSocket, commandBucket, syncBucket, type SocketLimits } from './socket-budgets.js';
import { ClientCounts } from '../limits/counters.js';
import { originProblem, type OriginPolicy } from '../auth/request-origin.js';

/** What the hub keeps per socket: who it speaks for, and what to check that again with. */
interface SocketData {
  caller: Caller;
  /** The handshake's credentials (a token, the cookie), re-checked before every command. */
  credentials: { auth: Record<string, unknown>; headers: { cookie?: string } };
  /** Its client's key for the per-client socket count. */
  client: string;
}
export type PdmServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type PdmSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** What the publisher tells every socket (see server/publisher.ts). */
export interface SocketOutlet {
  /** Revisioned events in order; several at once go out as one `batch`. */
  events(events: RevisionedEvent[]): void;
  health(health: HealthBody): void;
  /** An activity entry (a nudge also goes to its holder's sockets here). */
  activity(entry: ActivityEvent): void;
  presence(entry: PresenceEntry): void;
}

/** The Socket.IO side of the app. */
export interface SocketHub extends SocketOutlet {
  io: PdmServer;
  /** Signed out: that session's sockets lose their connection. */
  disconnectSession(sid: string): void;
  /** Stops the hub's timers and closes every socket. */
  close(): Promise<void>;
}

export interface SocketHubDeps {
  /** Engine.IO connections one client address may hold. */
  connectionsPerAddress: number;
  board: FileBoard;
  commands: FileCommands;
  identity: Identity;
  logger: Logger;
  origins: OriginPolicy;
  nudges: Nudges;
  undo: UndoCheckout;
  states: StateCommands;
  /** Built by the caller, started by the hub, which tells it who connects and leaves. */
  presence: Presence;
  limits: SocketLimits;
}

/** Sockets that connect within this window share one encoding of the snapshot. */
const SNAPSHOT_WINDOW_MS = 10;
/** How long the activity feed trails the lock events it describes. */
const ACTIVITY_DELAY_MS = 100;
/** How often every socket's session is checked again (expiry, sign-out, removal, role). */
const RECHECK_MS = 10_000;
/** How often sockets are checked for a consumer that does not read. */
const BUFFER_CHECK_MS = 1000;

// A socket's user is its handshake's, never the payload's.

/** Socket.IO on the app's HTTP server: snapshot on connect, every change pushed, commands acked. */
export function createSocketHub(httpServer: HttpServer, d: SocketHubDeps): SocketHub {
  const limits = d.limits;
  const perAddress = d.connectionsPerAddress;
  const io: PdmServer = new Server(httpServer, {
    serveClient: false,
    // Compression costs ~10x memory per socket (measured); lock events are small.
    perMessageDeflate: false,
    maxHttpBufferSize: 64 * 1024,
    // A WebSocket has no CORS: without this any page could open one and read the board.
    allowRequest: (req, fn) => {
      const problem = originProblem(req.headers, req.method ?? 'GET', d.origins, true, d.origins.proxies?.scheme(req) ?? 'http');
      // Before any sign-in: a client (behind the proxy too) holds at most so many connections.
      const handshake = !/[?&]sid=/.test(req.url ?? '');
      if (problem === null && handshake && engines.count(addressOf(req)) >= perAddress) {
        fn('TOO_MANY_REQUESTS: too many connections from this address', false);
        return;
      }
      fn(problem, problem === null);
    },
  });
  const addressOf = (req: IncomingMessage) => d.origins.proxies?.address(req) ?? req.socket.remoteAddress ?? '';
  const engines = new ClientCounts(perAddress);
  io.engine.on('connection', (conn: { request: IncomingMessage; once(event: 'close', fn: () => void): void }) => {
    const address = addressOf(conn.request);
    if (!engines.enter(address)) return;
    conn.once('close', () => engines.leave(address));
  });
  const clients = new ClientCounts(limits.perClient);

  io.use((socket, next) => {
    // A client may send no auth at all, whatever the types say.
    const auth = ((socket.handshake.auth as Record<string, unknown> | undefined) ?? {});
    const cookie = socket.handshake.headers.cookie;
    d.identity.fromHandshake(auth, socket.handshake.headers).then(
      (caller) => {
        // Behind a trusted proxy every peer is the proxy: the budget is the client's behind it.
        const client = clientKey(d.identity, caller.user, d.origins.proxies?.address(socket.request) ?? socket.handshake.address);
        if (!clients.enter(client)) { next(new Error(`TOO_MANY_REQUESTS: at most ${limits.perClient} connections per ${d.identity.mode === 'users' ? 'user' : 'address'}.`)); return; }
        socket.data.caller = { ...caller, client };
        socket.data.credentials = { auth, headers: cookie ? { cookie } : {} };
        socket.data.client = client;
        socket.once('disconnect', () => clients.leave(client));
        next();
      },
      // Arrives at the client as `connect_error` with this message.
      (err: unknown) => next(new Error(err instanceof AppError ? `${err.code}: ${err.detail}` : 'Handshake refused.')),
    );
  });

  /** The socket's session as it is now (users mode): revoked, expired or removed ends it. */
  const recheck = async (socket: PdmSocket): Promise<boolean> => {
    if (d.identity.mode === 'open') return true;
    try {
      socket.data.caller = { ...(await d.identity.fromHandshake(socket.data.credentials.auth, socket.data.credentials.headers)), client: socket.data.client };
      return true;
    } catch {
      return false;
    }
  };

  const snapshots = new SnapshotSender(io, () => d.board.snapshot(), SNAPSHOT_WINDOW_MS);
  io.on('connection', (socket: PdmSocket) => {
    // The handshake has copied what it needs (headers, auth): dropping the upgrade request saves
    // memory per socket (Socket.IO's own advice, done after the handshake so cookies still count).
    (socket.conn as unknown as { request: unknown }).request = null;
    corkWrites(socket);
    snapshots.add(socket);
    const user = socket.data.caller.user;
    // Requests made while this person had no page open reach the page they open now.
    const before = d.presence.peek(user);
    if (!before.online) {
      void d.nudges.waiting(user, before.last_seen).then(
        (list) => { for (const n of list) socket.emit('lock:nudged', n); },
        (err: unknown) => d.logger.warn({ err }, 'requests to release could not be read for a page that opened'),
      );
    }
    d.presence.connected(user);
    socket.once('disconnect', () => d.presence.disconnected(user));
    const commands = commandBucket();
    const syncs = syncBucket();
    // A client flooding commands is answered TOO_MANY_REQUESTS, not served; its socket stays.
    // Every command first checks the session again: a user removed, demoted or signed out
    // elsewhere does not keep acting through a socket opened before.
    socket.use((packet, next) => {
      const ack: unknown = packet.at(-1);
      const refuse = (code: string, detail: string) => {
        if (typeof ack === 'function') (ack as (body: unknown) => void)({ ok: false, code, detail });
      };
      if (!commands.take() || (packet[0] === 'sync' && !syncs.take())) {
        refuse('TOO_MANY_REQUESTS', 'Too many commands: slow down.');
        return;
      }
      void recheck(socket).then((ok) => {
        if (ok) { next(); return; }
        // Told why first, then cut off.
        refuse('UNAUTHENTICATED', 'The session is invalid, expired or signed out.');
        setImmediate(() => socket.disconnect(true));
      });
    });
    // The commands: one handler each, from the command table (the HTTP routes loop over it too).
    for (const spec of COMMANDS) {
      if (spec.socket === false) continue;
      socket.on(spec.name as keyof ClientToServerEvents, (payload: unknown, ack: unknown) =>
        void answer(ack, d.logger, async () => {
          const v = variantOf(spec, payload);
          const result = await v.run(d, socket.data.caller, parseInput(socketSchema(v), payload) as never);
          return spec.ackSuccess ? { success: true as const, ...result } : result;
        }),
      );
    }
    socket.on('sync', (payload, ack) =>
      // `emit('sync', ack)` without a payload is accepted too.
      void answer(typeof payload === 'function' ? payload : ack, d.logger, () => {
        if (typeof payload !== 'function') parseInput(syncSchema, payload);
        return d.board.snapshot();
      }),
    );
  });

  // Sessions end on their own too (expiry, sign-out on another server, `user remove`): checked
  // for every socket now and then, not only when it sends a command.
  const rechecks = setInterval(() => {
    if (d.identity.mode === 'users') for (const s of io.of('/').sockets.values()) void recheck(s).then((ok) => ok || s.disconnect(true));
  }, RECHECK_MS).unref();
  // A consumer that does not read (or reads too slowly) would make its send buffer grow without
  // bound: past the limit it is disconnected, and may reconnect for a fresh snapshot.
  const bufferChecks = setInterval(() => {
    for (const s of io.of('/').sockets.values()) {
      if (bufferedBytes(s) > limits.maxBufferedBytes) {
        d.logger.warn({ user: s.data.caller.user, buffered: bufferedBytes(s) }, 'disconnecting a socket that does not read its events');
        dropSocket(s);
      }
    }
  }, BUFFER_CHECK_MS).unref();

  // Every broadcast goes through here: snapshots still pending go out first, so no socket ever
  // gets an event before the snapshot it applies to.
  const broadcast = (event: string, data: unknown) => {
    snapshots.flush();
    // This node's sockets only: with --cluster every node numbers its own board's revisions and
    // sends its own events (other nodes learn of the change and read the share themselves).
    (io.local.emit as (ev: string, data: unknown) => boolean)(event, data);
  };
  // The lock and file events of a change go out first; its activity entry (and any others of the
  // same moment) follows ACTIVITY_DELAY_MS later. Each broadcast blocks the event loop ~10 ms per
  // 1,000 sockets, and a feed entry sent right behind a lock event made the lock event itself
  // reach 5,000 clients twice as late (measured, BENCHMARKS.md §2).
  let feed: ActivityEvent[] = [];
  const activity = (e: ActivityEvent) => {
    // A nudge, from this server or another sharing the log: to the holder's sockets here.
    if (e.type === 'nudge' && e.filename && e.user && e.previous_user) {
      const nudged = { filename: e.filename, by: e.user, message: e.message, at: e.at };
      for (const s of io.of('/').sockets.values()) if (s.data.caller.user === e.previous_user) s.emit('lock:nudged', nudged);
    }
    if (feed.push(e) > 1) return;
    setTimeout(() => {
      const out = feed;
      feed = [];
      for (const a of out) broadcast('activity', a);
    }, ACTIVITY_DELAY_MS).unref();
  };
  return {
    io,
    events: (events) => (events.length === 1 ? broadcast(events[0]!.event, events[0]!.data) : broadcast('batch', { events })),
    health: (h) => broadcast('health', h),
    activity,
    presence: (entry) => broadcast('presence', entry),
    disconnectSession: (sid) => {
      for (const s of io.of('/').sockets.values()) if (s.data.caller.sid === sid) s.disconnect(true);
    },
    close: async () => {
      await d.presence.close();
      clearInterval(rechecks);
      clearInterval(bufferChecks);
      for (const s of io.of('/').sockets.values()) dropSocket(s);
      return new Promise<void>((resolve) => {
        void io.close(() => resolve());
      });
    },
  };
}
