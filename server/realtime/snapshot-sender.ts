import type { SnapshotPayload } from '../../shared/protocol.js';
import type { PdmServer, PdmSocket } from './socket-hub.js';

/**
 * Sends each new socket its snapshot, with one encoding shared by all sockets that connected
 * within the same short window. At 100,000 files a snapshot is 14 MB of JSON and ~110 ms of
 * event loop to encode; after a server restart every open browser reconnects at once, and
 * Socket.IO encodes a broadcast once for all its receivers (BENCHMARKS.md §4).
 */
export class SnapshotSender {
  private pending: PdmSocket[] = [];
  private timer: NodeJS.Timeout | null = null;
  private seq = 0;

  constructor(
    private readonly io: PdmServer,
    private readonly snapshot: () => SnapshotPayload,
    private readonly windowMs: number,
  ) {}

  add(socket: PdmSocket): void {
    this.pending.push(socket);
    this.timer ??= setTimeout(() => this.flush(), this.windowMs);
  }

  /** Sends what is pending now (the hub calls it before every broadcast, too). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const sockets = this.pending.filter((s) => s.connected);
    this.pending = [];
    if (sockets.length === 0) return;
    const snap = this.snapshot();
    if (sockets.length === 1) {
      sockets[0]!.emit('snapshot', snap);
      return;
    }
    // A room for this one send: the in-memory adapter joins and leaves synchronously.
    const room = `snapshot:${++this.seq}`;
    for (const s of sockets) void s.join(room);
    this.io.local.to(room).emit('snapshot', snap);
    for (const s of sockets) void s.leave(room);
  }
}
