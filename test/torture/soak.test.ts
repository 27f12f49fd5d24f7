import { io, type Socket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { postJson } from '../../bench/support.js';
import { spawnServer } from '../support/processes.js';
import { api } from '../support/server.js';
import { makeVault } from '../support/temp-vault.js';
import { FULL, pick, report } from './scale.js';

interface Delay {
  p50: number;
  p99: number;
  max: number;
}
interface Metrics {
  rss_bytes: number;
  heap_used_bytes: number;
  open_fds: number;
  sockets: number;
  event_loop_delay_ms: Delay;
  event_loop_delay_total_ms: Delay;
  /** Each thread's V8 heap: total, and external + malloced (bytes). */
  threads?: Record<string, { total: number; external: number; malloced: number; gc_ms: number | null } | null>;
}

const mb = (b: number) => (b / 2 ** 20).toFixed(1);

describe('torture: soak', () => {
  it('sockets come and go and operations run steadily: memory, descriptors and event-loop delay stay bounded', async () => {
    const seconds = Number(process.env.TORTURE_SOAK_SECONDS ?? pick(15, 600));
    const socketCount = pick(60, 300);
    const opsPerSecond = pick(50, 100);
    const names = Array.from({ length: 200 }, (_, i) => `soak/S${i}.mcam`);
    const vault = await makeVault(names);
    const server = await spawnServer(['--repo', vault.root, '--client-budget', '0', '--max-connections-per-address', String(socketCount * 4), '--max-sockets-per-client', String(socketCount * 2)]);
    const metrics = async () => (await api(server.url, '/api/metrics')).body as Metrics;
    const open = (i: number): Socket => io(server.url, { transports: ['websocket'], auth: { user: `s${i}` }, reconnection: false, forceNew: true });
    const sockets: Socket[] = Array.from({ length: socketCount }, (_, i) => open(i));
    let ops = 0;
    let reconnects = 0;
    const samples: Metrics[] = [];
    try {
      // Warm-up: the heap grows to its working size under this load first (a tenth of the run,
      // at most a minute); growth is measured from there.
      const warmUntil = Date.now() + Math.min(60_000, seconds * 100);
      const end = Date.now() + seconds * 1000;
      let baseline: Metrics | null = null;
      let nextSample = Date.now();
      const held = new Set<string>();
      while (Date.now() < end) {
        const tick = Date.now();
        // A tenth of a second's operations: check-outs and check-ins of random files.
        const batch = Array.from({ length: Math.ceil(opsPerSecond / 10) }, () => {
          const f = names[Math.floor(Math.random() * names.length)]!;
          const op = held.has(f) ? 'checkin' : 'checkout';
          return postJson(`${server.url}/api/files/${op}`, { filename: f, user: 'soak' }).then((s) => {
            if (s === 200) {
              if (op === 'checkout') held.add(f);
              else held.delete(f);
            }
            ops++;
          });
        });
        // And a few sockets leave and come back.
        for (let k = 0; k < Math.ceil(socketCount / 50); k++) {
          const i = Math.floor(Math.random() * socketCount);
          sockets[i]!.close();
          sockets[i] = open(i);
          reconnects++;
        }
        await Promise.all(batch);
        if (!baseline && Date.now() > warmUntil) baseline = await metrics();
        if (Date.now() >= nextSample) {
          const m = await metrics();
          samples.push(m);
          // A trace of memory every 30 s, for RELIABILITY.md.
          if (samples.length % 30 === 1) {
            const threads = Object.entries(m.threads ?? {}).map(([k, h]) => `${k}_heap_mb=${h ? `${mb(h.total)}/${mb(h.external + h.malloced)}` : '-'}${h?.gc_ms != null ? ` ${k}_gc_ms=${h.gc_ms}` : ''}`).join(' ');
            process.stdout.write(`[soak] t=${samples.length}s rss_mb=${mb(m.rss_bytes)} heap_mb=${mb(m.heap_used_bytes)} fds=${m.open_fds} ${threads}\n`);
          }
          nextSample = Date.now() + 1000;
        }
        await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - tick))));
      }
      for (const s of sockets) s.close();
      await new Promise((r) => setTimeout(r, 1000));
      const last = await metrics();
      const growth = (last.rss_bytes - baseline!.rss_bytes) / baseline!.rss_bytes;
      // The p99 of the whole run (the server's histogram since it started), and the worst second.
      const p99 = last.event_loop_delay_total_ms.p99;
      const worstSecond = Math.max(...samples.map((s) => s.event_loop_delay_ms.max));
      report('soak', {
        seconds,
        sockets: socketCount,
        ops,
        reconnects,
        rss_start_mb: mb(baseline!.rss_bytes),
        rss_end_mb: mb(last.rss_bytes),
        rss_growth_pct: (growth * 100).toFixed(1),
        fds_start: baseline!.open_fds,
        fds_end: last.open_fds,
        event_loop_p99_ms: p99,
        event_loop_max_ms: worstSecond,
      });
      expect(last.sockets).toBe(0);
      expect(last.open_fds).toBeLessThanOrEqual(baseline!.open_fds + 5);
      // The short run is too brief for a steady heap; the full run holds the issue's targets.
      expect(growth).toBeLessThanOrEqual(FULL ? 0.1 : 0.5);
      expect(p99).toBeLessThanOrEqual(FULL ? 50 : 200);
    } finally {
      for (const s of sockets) s.close();
      await server.stop();
      await vault.cleanup();
    }
  }, 1_800_000);
});
