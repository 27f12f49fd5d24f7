import type { PdmSocket } from './socket-hub.js';
import { TokenBucket } from '../limits/counters.js';

/** What one socket and one client may use. */
export interface SocketLimits {
  /** Sockets open at once per client: a user in users mode, an address in open mode. */
  perClient: number;
  /** Bytes waiting to be sent to one socket before it is taken for a consumer that does not read. */
  maxBufferedBytes: number;
}

export const DEFAULT_SOCKET_LIMITS: SocketLimits = { perClient: 64, maxBufferedBytes: 8 * 1024 * 1024 };

/** Commands per socket: bursts of 50, 20 a second sustained. */
export const commandBucket = () => new TokenBucket(50, 20);
/**
 * `sync` per socket: each answer is the whole snapshot (626 KB at 3,000 locks), so a client may
 * ask for a few in a row (a revision gap, a reconnect) and then one every 5 s.
 */
export const syncBucket = () => new TokenBucket(3, 0.2);

/**
 * Bytes queued for a socket and not yet taken by its peer: the WebSocket's buffered amount, or
 * the packets waiting for the next long-poll (counted at 1 KB each: their size is not kept).
 */
export function bufferedBytes(socket: PdmSocket): number {
  const conn = socket.conn as unknown as { transport?: { socket?: { bufferedAmount?: number } }; writeBuffer?: unknown[] };
  return (conn.transport?.socket?.bufferedAmount ?? 0) + (conn.writeBuffer?.length ?? 0) * 1024;
}

/**
 * Drops a socket's connection at once, without Socket.IO's own disconnect (after which a client
 * does not reconnect by itself): the client sees a lost transport, reconnects and gets a fresh
 * snapshot. A WebSocket is terminated, since its closing handshake waits for a peer that reads
 * (up to 30 s for one that does not).
 */
export function dropSocket(socket: PdmSocket): void {
  const conn = socket.conn as unknown as { transport?: { socket?: { terminate?: () => void } }; close(discard?: boolean): void };
  const ws = conn.transport?.socket;
  if (ws?.terminate) ws.terminate();
  else conn.close(true);
}
