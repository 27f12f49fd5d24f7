import type { PdmSocket } from './socket-hub.js';

/** What we reach of Engine.IO's transport and the ws socket under it (neither is typed for this). */
interface EngineTransport {
  name: string;
  send(packets: unknown[]): void;
  socket?: { _socket?: { cork(): void; uncork(): void } };
}

/**
 * Packets that queued up for one WebSocket while its last write was under way go out in one
 * write instead of one each. Engine.IO sends them frame by frame, and on loopback or a LAN each
 * write is a syscall that runs the receiver's network stack too: at 300 sockets that was a third
 * of the main thread (BENCHMARKS.md, soak profile). Frames and their order are unchanged.
 */
export function corkWrites(socket: PdmSocket): void {
  const conn = socket.conn as unknown as { transport: EngineTransport; on(ev: 'upgrade', fn: (t: EngineTransport) => void): void };
  const wrap = (t: EngineTransport) => {
    if (t.name !== 'websocket') return;
    const tcp = t.socket?._socket;
    if (!tcp || typeof tcp.cork !== 'function') return;
    const send = t.send.bind(t);
    t.send = (packets) => {
      if (packets.length < 2) {
        send(packets);
        return;
      }
      tcp.cork();
      try {
        send(packets);
      } finally {
        tcp.uncork();
      }
    };
  };
  wrap(conn.transport);
  conn.on('upgrade', wrap);
}
