// Baseline: a bare Socket.IO server that broadcasts a payload of the same shape on request.
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const http = createServer((req, res) => {
  if (req.url === '/emit') {
    io.emit('lock:acquired', {
      revision: ++revision,
      filename: 'bench/B000001.mcam',
      lock: { user: 'bench', timestamp: new Date().toISOString(), message: 'fan-out trial' },
      source: 'api',
    });
  }
  res.end('ok');
});
const io = new Server(http, { perMessageDeflate: false });
let revision = 0;
http.listen(0, '127.0.0.1', () => {
  const a = http.address() as { port: number };
  console.log(`PDM Live listening on http://127.0.0.1:${a.port}`);
});
process.on('SIGTERM', () => process.exit(0));
