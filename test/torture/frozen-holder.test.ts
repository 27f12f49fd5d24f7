import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { spawnServer } from '../support/processes.js';
import { api, eventually } from '../support/server.js';
import { makeVault } from '../support/temp-vault.js';
import { replayGrants, report } from './scale.js';

describe('torture: a lock holder frozen with SIGSTOP', () => {
  it('the others carry on after the stale period; the frozen one, resumed, writes nothing', async () => {
    const vault = await makeVault(['A.mcam', 'B.mcam', 'C.mcam']);
    const stale = 3000;
    // The frozen server keeps the lock 800 ms per commit, so it can be caught holding it.
    const frozen = await spawnServer(['--repo', vault.root, '--client-budget', '0'], { PDM_STALE_MS: String(stale), PDM_DEBUG_HOLD_MS: '800' });
    const other = await spawnServer(['--repo', vault.root, '--client-budget', '0'], { PDM_STALE_MS: String(stale) });
    try {
      // Its batch is about a file nobody else touches: resumed, it would succeed if it wrote.
      const pending = api(frozen.url, '/api/files/checkout', { json: { filename: 'C.mcam', user: 'frozen' } });
      await eventually(() => existsSync(`${vault.locksFile}.lock`), 3000, 'the lock to be held');
      process.kill(frozen.proc.pid!, 'SIGSTOP');
      const t0 = Date.now();
      const r = await api(other.url, '/api/files/checkout', { json: { filename: 'B.mcam', user: 'other' } });
      const waited = Date.now() - t0;
      expect(r.status).toBe(200);
      expect(waited).toBeLessThan(stale + 5000);
      // The other one also takes A while the frozen server still "has" its batch.
      expect((await api(other.url, '/api/files/checkout', { json: { filename: 'A.mcam', user: 'other' } })).status).toBe(200);
      process.kill(frozen.proc.pid!, 'SIGCONT');
      const late = await pending;
      expect(late.status).toBe(503);
      expect(late.body.code).toBe('LOCKS_UNAVAILABLE');
      await new Promise((res) => setTimeout(res, 500));
      const locks = JSON.parse(await readFile(vault.locksFile, 'utf8'));
      expect(locks).toMatchObject({ 'A.mcam': { user: 'other' }, 'B.mcam': { user: 'other' } });
      expect(locks['C.mcam']).toBeUndefined();
      const lines = (await readFile(`${vault.dataDir}/activity.jsonl`, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
      expect(replayGrants(lines).violations).toEqual([]);
      expect(lines.some((l) => l.user === 'frozen')).toBe(false);
      // The resumed server serves again (with a fresh lock) and sees the others' state.
      expect((await api(frozen.url, '/api/files/checkout', { json: { filename: 'C.mcam', user: 'frozen' } })).status).toBe(200);
      expect((await api(frozen.url, '/api/locks')).body.locks['A.mcam'].user).toBe('other');
      report('frozen-holder', { stale_ms: stale, others_waited_ms: waited, late_answer: late.status });
    } finally {
      process.kill(frozen.proc.pid!, 'SIGCONT');
      await frozen.stop('SIGKILL');
      await other.stop('SIGKILL');
      await vault.cleanup();
    }
  }, 120_000);
});
