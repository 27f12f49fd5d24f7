// Check-outs/s with two webhooks and mail on (two receivers answering 204 and an SMTP server)
// beside none, same build, alternating rounds; and how far behind the hooks are when the load
// stops. The receivers stand for Teams, Slack or an MES on other machines: on this 2-core machine
// they run at the lowest priority (nice 19), so they take idle CPU rather than the server's.
// Run: node --import tsx bench/webhooks.ts   (BENCH_SECONDS, default 5; BENCH_ROUNDS, default 3)
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setPriority } from 'node:os';
import { measure } from './lock-throughput.js';
import { WRK } from './wrk.js';
import { SMTPServer } from 'smtp-server';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const generator = WRK ? 'wrk' : 'node';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function receiver(): Promise<{ url: string; count: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      n++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, count: () => n, close: () => new Promise<void>((r) => server.close(() => r())) };
}

// This process only receives (wrk makes the load, the server is its own process).
setPriority(19);
const hooks = [await receiver(), await receiver()];
const smtp = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS'], logger: false, onData: (stream, _s, done) => stream.resume().on('end', () => done()) });
await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
const smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
const on: number[] = [];
const off: number[] = [];
console.log('| round | two webhooks and mail, check-outs/s (p50, p99 ms) | none, check-outs/s (p50, p99 ms) | delivered by then (each hook) |\n|---|---:|---:|---:|');
for (let round = 1; round <= rounds; round++) {
  const before = hooks.map((h) => h.count());
  const a = await measure('two webhooks and mail', { PDM_WEBHOOK: hooks.map((h) => h.url).join(','), PDM_SMTP_URL: smtpUrl }, 0, seconds, generator);
  const delivered = hooks.map((h, i) => h.count() - before[i]!);
  const b = await measure('none', {}, 0, seconds, generator);
  on.push(a.perSecond);
  off.push(b.perSecond);
  console.log(`| ${round} | ${a.perSecond.toFixed(0)} (${a.p50.toFixed(1)}, ${a.p99.toFixed(1)}) | ${b.perSecond.toFixed(0)} (${b.p50.toFixed(1)}, ${b.p99.toFixed(1)}) | ${delivered.join(' / ')} |`);
}
console.log(`| median | **${median(on).toFixed(0)}** | **${median(off).toFixed(0)}** (ratio ${(median(on) / median(off)).toFixed(2)}x) | |`);
for (const h of hooks) await h.close();
smtp.close();
process.exit(0);
