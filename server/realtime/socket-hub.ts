import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { ActivityEvent, ClientToServerEvents, ServerToClientEvents } from '../../shared/protocol.js';
import type { ActivityLog } from '../activity/activity-log.js';
import type { Identity } from '../auth/identity.js';
import { AppError } from '../errors.js';
import type { FileBoard } from '../files/file-board.js';
import { checkinSchema, checkoutSchema, parseInput, syncSchema } from '../files/command-schemas.js';
import type { Caller, FileCommands } from '../files/file-commands.js';
import type { Logger } from '../logger.js';
import { answer } from './ack.js';
import { SnapshotSender } from './snapshot-sender.js';

/** Token bucket per socket: bursts of 50 commands, 20 a second sustained. */
class CommandBucket {
  private tokens = 50;
  private at = Date.now();
  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(50, this.tokens + ((now - this.at) / 1000) * 20);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export type PdmServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { caller: Caller }>;
export type PdmSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { caller: Caller }>;

export interface SocketHubDeps {
  board: FileBoard;
  commands: FileCommands;
  activity: ActivityLog;
  identity: Identity;
  logger: Logger;
}

/** Sockets that connect within this window share one encoding of the snapshot. */
const SNAPSHOT_WINDOW_MS = 10;
/** How long the activity feed trails the lock events it describes. */
const ACTIVITY_DELAY_MS = 100;

// A socket's user is its handshake's, never the payload's.
const socketCheckout = checkoutSchema.omit({ user: true });
const socketCheckin = checkinSchema.omit({ user: true });

/** Socket.IO on the app's HTTP server: snapshot on connect, every change pushed, commands acked. */
export function createSocketHub(httpServer: HttpServer, d: SocketHubDeps): PdmServer {
  const io: PdmServer = new Server(httpServer, {
    serveClient: false,
    // Compression costs ~10x memory per socket (see PITFALLS); lock events are small.
    perMessageDeflate: false,
    maxHttpBufferSize: 64 * 1024,
  });

  io.use((socket, next) => {
    d.identity.fromHandshake((socket.handshake.auth ?? {}) as Record<string, unknown>, socket.handshake.headers).then(
      (caller) => {
        socket.data.caller = caller;
        next();
      },
      // Arrives at the client as `connect_error` with this message.
      (err: unknown) => next(new Error(err instanceof AppError ? `${err.code}: ${err.detail}` : 'Handshake refused.')),
    );
  });

  const snapshots = new SnapshotSender(io, () => d.board.snapshot(), SNAPSHOT_WINDOW_MS);
  io.on('connection', (socket: PdmSocket) => {
    // The handshake has copied what it needs (headers, auth): dropping the upgrade request saves
    // memory per socket (Socket.IO's own advice, done after the handshake so cookies still count).
    (socket.conn as unknown as { request: unknown }).request = null;
    snapshots.add(socket);
    const caller = socket.data.caller;
    const bucket = new CommandBucket();
    // A client flooding commands is answered TOO_MANY_REQUESTS, not served; its socket stays.
    socket.use((packet, next) => {
      if (bucket.take()) return next();
      const ack = packet.at(-1);
      if (typeof ack === 'function') ack({ ok: false, code: 'TOO_MANY_REQUESTS', detail: 'Too many commands: slow down.' });
    });
    socket.on('checkout', (payload, ack) =>
      void answer(ack, d.logger, async () => ({ file: await d.commands.checkout(caller, parseInput(socketCheckout, payload)) })),
    );
    socket.on('checkin', (payload, ack) =>
      void answer(ack, d.logger, async () => ({ file: await d.commands.checkin(caller, parseInput(socketCheckin, payload)) })),
    );
    socket.on('sync', (payload, ack) =>
      // `emit('sync', ack)` without a payload is accepted too.
      void answer(typeof payload === 'function' ? payload : ack, d.logger, () => {
        if (typeof payload !== 'function') parseInput(syncSchema, payload);
        return d.board.snapshot();
      }),
    );
  });

  // Every broadcast goes through here: snapshots still pending go out first, so no socket ever
  // gets an event before the snapshot it applies to.
  const broadcast = (event: string, data: unknown) => {
    snapshots.flush();
    (io.emit as (ev: string, data: unknown) => boolean)(event, data);
  };
  d.board.subscribe({
    // Several changes at once (a group commit, a folder copied in) go out as one `batch`.
    events: (events) => (events.length === 1 ? broadcast(events[0]!.event, events[0]!.data) : broadcast('batch', { events })),
    health: (h) => broadcast('health', h),
  });
  // The lock and file events of a change go out first; its activity entry (and any others of the
  // same moment) follows ACTIVITY_DELAY_MS later. Each broadcast blocks the event loop ~10 ms per
  // 1,000 sockets, and a feed entry sent right behind a lock event made the lock event itself
  // reach 5,000 clients twice as late (measured, BENCHMARKS.md §2).
  let feed: ActivityEvent[] = [];
  d.activity.onAppend((e) => {
    if (feed.push(e) > 1) return;
    setTimeout(() => {
      const out = feed;
      feed = [];
      for (const a of out) broadcast('activity', a);
    }, ACTIVITY_DELAY_MS).unref();
  });
  return io;
}
