import type { Server } from 'node:net';
import { ClientCounts } from '../limits/counters.js';

/**
 * Connections one address may hold open before any of them has signed in or sent a request.
 * 3,000 idle WebSockets from one address used to take every descriptor of a server started with
 * 1,024 (EMFILE for everyone); 256 leaves a shop's busiest NAT address room for its people
 * (each page holds one WebSocket and a few HTTP connections).
 */
export const MAX_CONNECTIONS_PER_ADDRESS = 256;

/**
 * Refuses (closes at once) a TCP connection from an address that already holds `max`. A peer
 * `--trust-proxy` names is the proxy, which carries everyone's connections: it is not counted
 * here (the socket hub counts its clients by `X-Forwarded-For`).
 */
export function limitConnections(server: Server, isProxy: (address: string) => boolean, max = MAX_CONNECTIONS_PER_ADDRESS): void {
  const open = new ClientCounts(max);
  server.on('connection', (socket) => {
    const address = socket.remoteAddress ?? '';
    if (isProxy(address)) return;
    if (!open.enter(address)) {
      socket.destroy();
      return;
    }
    socket.once('close', () => open.leave(address));
  });
}
