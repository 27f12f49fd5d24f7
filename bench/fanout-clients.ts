// Child process: opens N WebSocket clients and reports when each receives the awaited event.
import { io, type Socket } from 'socket.io-client';

const [url, countArg, event] = process.argv.slice(2) as [string, string, string];
const count = Number(countArg);
const now = () => performance.timeOrigin + performance.now();
const sockets: Socket[] = [];
let arrivals: number[] = [];
let connected = 0;

for (let i = 0; i < count; i++) {
  const s = io(url, { transports: ['websocket'], auth: { user: `c${i}` }, reconnection: false, forceNew: true });
  s.on('connect', () => {
    if (++connected === count) process.send!({ type: 'ready' });
  });
  const record = () => arrivals.push(now());
  s.on(event, record);
  // PDM may coalesce into `batch`; the bare server never does.
  s.on('batch', record);
  sockets.push(s);
}

process.on('message', (m: { type: string }) => {
  if (m.type === 'collect') {
    process.send!({ type: 'arrivals', arrivals });
    arrivals = [];
  } else if (m.type === 'memory') {
    process.send!({ type: 'memory', rss: process.memoryUsage().rss });
  } else if (m.type === 'exit') {
    for (const s of sockets) s.close();
    process.exit(0);
  }
});
