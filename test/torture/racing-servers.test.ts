import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from '../support/processes.js';
import { postJson } from '../../bench/support.js';
import { makeVault } from '../support/temp-vault.js';
import { pick, replayGrants, report } from './scale.js';
import { startRedis } from '../support/redis.js';

describe('torture: four servers race on one vault', () => {
  for (const clustered of [false, true])
  it(`no file is ever granted to two holders at once (activity log replay and final state)${clustered ? ', with --cluster (a real redis-server)' : ''}`, async () => {
    const redis = clustered ? await startRedis() : null;
    // Full: 10,000 per server.
    const ops = pick(1200, 40_000);
    const files = pick(60, 500);
    const names = Array.from({ length: files }, (_, i) => `race/R${i}.mcam`);
    const vault = await makeVault(names);
    const servers: ServerProcess[] = [];
    const t0 = Date.now();
    try {
      for (let i = 0; i < 4; i++) servers.push(await spawnServer(['--repo', vault.root, '--client-budget', '0', ...(redis ? ['--cluster', redis.url] : [])]));
      let issued = 0;
      const statuses = new Map<number, number>();
      // 32 workers; each picks a random server, file, user and operation.
      await Promise.all(
        Array.from({ length: 32 }, async (_, w) => {
          while (issued < ops) {
            issued++;
            const s = servers[Math.floor(Math.random() * 4)]!;
            const f = names[Math.floor(Math.random() * files)]!;
            const user = `u${w % 8}`;
            const op = Math.random() < 0.55 ? 'checkout' : 'checkin';
            const status = await postJson(`${s.url}/api/files/${op}`, { filename: f, user });
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
          }
        }),
      );
      expect([...statuses.keys()].every((s) => [200, 403, 409].includes(s)), JSON.stringify([...statuses])).toBe(true);
      const lines = (await readFile(`${vault.dataDir}/activity.jsonl`, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
      const { held, violations } = replayGrants(lines);
      expect(violations).toEqual([]);
      const final = JSON.parse(await readFile(vault.locksFile, 'utf8')) as Record<string, { user: string }>;
      expect(Object.fromEntries(Object.entries(final).map(([k, v]) => [k, v.user]))).toEqual(Object.fromEntries(held));
      // Each change was logged once: as many log entries as successful answers.
      expect(lines.filter((l) => l.source === 'api').length).toBe(statuses.get(200));
      report(clustered ? 'racing-servers-cluster' : 'racing-servers', { servers: 4, ops, files, granted: statuses.get(200), refused: ops - (statuses.get(200) ?? 0), double_grants: violations.length, seconds: Math.round((Date.now() - t0) / 1000) });
    } finally {
      await Promise.all(servers.map((s) => s.stop('SIGKILL')));
      await redis?.stop();
      await vault.cleanup();
    }
  }, 1_800_000);
});
