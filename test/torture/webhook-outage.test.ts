import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from '../support/processes.js';
import { api, eventually } from '../support/server.js';
import { makeVault } from '../support/temp-vault.js';
import { pick, report } from './scale.js';

/**
 * Check-outs with a webhook receiver that is down for a while, the server killed (SIGKILL) once in
 * the middle: every entry of the log is delivered, in the log's order; repeats (at least once) are
 * allowed and counted.
 */
describe('torture: a webhook receiver down, the server killed', () => {
  it('every entry delivered, in order, none lost', async () => {
    const total = pick(60, 1000);
    const downMs = pick(2000, 30_000);
    const names = Array.from({ length: total }, (_, i) => `hook/H${String(i).padStart(4, '0')}.mcam`);
    const vault = await makeVault(names);
    const received: string[] = [];
    let down = true;
    const receiver: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        if (down) {
          res.writeHead(503).end();
          return;
        }
        received.push((JSON.parse(body) as { id: string }).id);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const args = ['--repo', vault.root, '--client-budget', '0', '--webhook', hook];
    const env = { PDM_STALE_MS: '2000' };
    const t0 = Date.now();
    let server: ServerProcess | null = await spawnServer(args, env);
    const up = setTimeout(() => (down = false), downMs);
    try {
      let acked = 0;
      for (const [i, name] of names.entries()) {
        if (i === Math.floor(total / 2)) {
          await server.stop('SIGKILL');
          server = await spawnServer(args, env);
        }
        const r = await api(server.url, '/api/files/checkout', { json: { filename: name, user: `u${i % 7}` } });
        if (r.status === 200) acked++;
      }
      expect(acked).toBe(total);
      const log = (await readFile(join(vault.dataDir, 'activity.jsonl'), 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id);
      await eventually(() => new Set(received).size >= log.length, pick(90_000, 600_000), 'every entry delivered');
      const firsts = received.filter((id, i) => received.indexOf(id) === i);
      expect(firsts).toEqual(log);
      report('webhook-outage', { checkouts: total, down_s: downMs / 1000, log_entries: log.length, deliveries: received.length, repeats: received.length - firsts.length, seconds: Math.round((Date.now() - t0) / 1000) });
    } finally {
      clearTimeout(up);
      await server?.stop();
      await new Promise<void>((r) => receiver.close(() => r()));
      await vault.cleanup();
    }
  }, pick(120_000, 900_000));
});
