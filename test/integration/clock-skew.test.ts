import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { api, eventually } from '../support/server.js';
import { spawnServer, type ServerProcess } from '../support/processes.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';

function requireFaketime(): void {
  try {
    execFileSync('faketime', ['-f', '+0s', 'true']);
  } catch {
    throw new Error('faketime not found. Install it with: apt-get install -y faketime');
  }
}

/**
 * CONTRACT §20: servers whose clocks differ by up to 60 s never take a live lock for a stale one.
 * proper-lockfile stamps its lock with the holder's clock and judges it with the reader's; here
 * the holder's clock is 60 s behind (its lock would look a minute old) or ahead, and the other
 * server must wait for it all the same.
 */
describe('servers whose clocks disagree by a minute (faketime)', () => {
  let vault: TempVault;
  const servers: ServerProcess[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop('SIGKILL')));
    await vault.cleanup();
  });

  for (const skew of ['-60s', '+60s']) {
    it(`a check-out held ${skew === '-60s' ? 'behind' : 'ahead'} (${skew}) is waited for, not taken over: one winner, nothing compromised`, async () => {
      requireFaketime();
      vault = await makeVault();
      // A short stale period (3 s) beside a commit held for 1.2 s (under half of it, else the holder itself gives up): without the share's clock, the
      // skewed holder's lock looks a minute old to the other server at once.
      const holder = await spawnServer(['--repo', vault.root, '--stale', '3000'], { PDM_DEBUG_HOLD_MS: '1200' }, ['faketime', '-f', skew]);
      const other = await spawnServer(['--repo', vault.root, '--stale', '3000']);
      servers.push(holder, other);
      const first = api(holder.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'bob' } });
      await eventually(() => existsSync(`${vault.locksFile}.lock`), 15_000, 'the holder holds locks.json');
      const second = api(other.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice' } });
      const [b, a] = await Promise.all([first, second]);
      expect(b.status).toBe(200);
      expect(a.status).toBe(409);
      expect(a.body.lock.user).toBe('bob');
      expect(JSON.parse(await readFile(vault.locksFile, 'utf8'))['PN1001.mcam'].user).toBe('bob');
      expect(holder.stderr() + other.stderr()).not.toMatch(/compromised|taken over/i);
    }, 60_000);
  }
});
