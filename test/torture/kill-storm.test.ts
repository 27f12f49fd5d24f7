import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { spawnServer } from '../support/processes.js';
import { api, eventually } from '../support/server.js';
import { makeVault } from '../support/temp-vault.js';
import { pick, report } from './scale.js';

describe('torture: SIGKILL during a write storm', () => {
  it('after every kill locks.json parses and holds every acknowledged check-out', async () => {
    const kills = pick(4, 200);
    const clients = 8;
    const perClient = 12;
    const names = Array.from({ length: clients * perClient }, (_, i) => `storm/S${i}.mcam`);
    const vault = await makeVault(names);
    const env = { PDM_STALE_MS: '2000' };
    // Per file: the last acknowledged operation, and whether one is in flight.
    const acked = new Map<string, { op: 'checkout' | 'checkin'; user: string }>();
    const inFlight = new Set<string>();
    let checked = 0;
    const t0 = Date.now();
    try {
      for (let k = 0; k < kills; k++) {
        const server = await spawnServer(['--repo', vault.root, '--client-budget', '0'], env);
        let stop = false;
        const client = async (c: number) => {
          const mine = names.slice(c * perClient, (c + 1) * perClient);
          for (let i = 0; !stop && i < 10_000; i++) {
            const f = mine[Math.floor(Math.random() * mine.length)]!;
            const op = acked.get(f)?.op === 'checkout' ? 'checkin' : 'checkout';
            inFlight.add(f);
            const r = await api(server.url, `/api/files/${op}`, { json: { filename: f, user: `c${c}` } }).catch(() => null);
            // No answer (the server died first), or stopped meanwhile: the outcome is unknown, so
            // the file stays "in flight" and the disk's word is taken for it below.
            if (stop || r === null) break;
            inFlight.delete(f);
            if (r?.status === 200) acked.set(f, { op, user: `c${c}` });
            else if (r && r.status !== 409 && r.status !== 503) throw new Error(`unexpected ${r.status} ${JSON.stringify(r.body)}`);
          }
        };
        const running = Array.from({ length: clients }, (_, c) => client(c));
        await new Promise((r) => setTimeout(r, 150 + Math.random() * 500));
        await server.stop('SIGKILL');
        stop = true;
        await Promise.all(running);
        const locks = JSON.parse(await readFile(vault.locksFile, 'utf8')) as Record<string, { user: string }>;
        for (const [f, last] of acked) {
          if (inFlight.has(f)) continue;
          if (last.op === 'checkout') expect(locks[f]?.user, `${f} after kill ${k}`).toBe(last.user);
          else expect(locks[f], `${f} after kill ${k}`).toBeUndefined();
          checked++;
        }
        // In-flight operations settle whichever way they were written; take the disk's word.
        for (const f of inFlight) acked.set(f, locks[f] ? { op: 'checkout', user: locks[f].user } : { op: 'checkin', user: '' });
        inFlight.clear();
      }
      // The activity log after all the kills: one more server journals what the last kill left
      // unrecorded; then, per file, check-outs and check-ins must alternate (a change logged twice
      // would show as two in a row) and replaying them must give locks.json.
      const last = await spawnServer(['--repo', vault.root, '--client-budget', '0'], env);
      // Journaling what the last kill left waits for its stale lock (2 s here), longer than a read
      // waits for it: wait until the journaled copy has caught up with locks.json.
      const same = async () => {
        const [a, b] = await Promise.all([readFile(vault.locksFile, 'utf8'), readFile(join(vault.dataDir, 'locks.journaled.json'), 'utf8').catch(() => '{}')]);
        return isDeepStrictEqual(JSON.parse(a), JSON.parse(b));
      };
      await eventually(same, 20_000, 'the journaled copy to catch up with locks.json');
      await api(last.url, '/api/activity');
      await last.stop('SIGTERM');
      const entries = (await readFile(join(vault.dataDir, 'activity.jsonl'), 'utf8'))
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as { type: string; filename: string; user: string });
      const holder = new Map<string, string>();
      let twice = 0;
      for (const e of entries) {
        if (e.type === 'checkout') {
          if (holder.has(e.filename)) twice++;
          holder.set(e.filename, e.user);
        } else if (e.type === 'checkin') {
          if (!holder.has(e.filename)) twice++;
          holder.delete(e.filename);
        }
      }
      const finalLocks = JSON.parse(await readFile(vault.locksFile, 'utf8')) as Record<string, { user: string }>;
      expect(twice, 'lock entries out of alternation (logged twice or missing)').toBe(0);
      expect(Object.fromEntries(holder)).toEqual(Object.fromEntries(Object.entries(finalLocks).map(([f, l]) => [f, l.user])));
      report('kill-storm', { kills, clients, checked_files: checked, log_entries: entries.length, log_out_of_order: twice, seconds: Math.round((Date.now() - t0) / 1000) });
    } finally {
      await vault.cleanup();
    }
  }, 1_800_000);
});
