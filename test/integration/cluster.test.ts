import { afterEach, describe, expect, it } from 'vitest';
import { api, eventually } from '../support/server.js';
import { spawnServer, type ServerProcess } from '../support/processes.js';
import { connect, type Observer } from '../support/sockets.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';
import { startRedis } from '../support/redis.js';

/** CONTRACT §20: several nodes on one data folder, told of each other's changes through a real Redis. */
describe('--cluster: nodes on one vault through redis-server', () => {
  let vault: TempVault;
  let redis: Awaited<ReturnType<typeof startRedis>> | null = null;
  const servers: ServerProcess[] = [];
  const sockets: Observer[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await Promise.all(servers.splice(0).map((s) => s.stop('SIGKILL')));
    await redis?.stop();
    redis = null;
    await vault.cleanup();
  });

  const health = async (url: string) => (await api(url, '/api/health')).body as { status: string; cluster?: string; detail: string | null };

  it('a lock taken on A reaches a socket on B (--poll 5000) by the notice through Redis; Redis stopped: both go on from the share, health says degraded; back: ok again, nothing lost', async () => {
    vault = await makeVault();
    redis = await startRedis();
    const args = ['--repo', vault.root, '--poll', '5000', '--cluster', redis.url];
    const a = await spawnServer(args);
    const b = await spawnServer(args, { PDM_LOG_LEVEL: 'debug' });
    servers.push(a, b);
    await eventually(async () => (await health(a.url)).cluster === 'ok' && (await health(b.url)).cluster === 'ok', 15_000, 'both nodes on Redis');
    const onB = await connect(b.url, 'watcher');
    sockets.push(onB);
    expect((await api(a.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice', message: 'via A' } })).status).toBe(200);
    const got = await onB.waitFor('lock:acquired', (d: { filename: string }) => d.filename === 'PN1001.mcam', 15_000);
    expect(got.lock.user).toBe('alice');
    // It came by the notice (B read the share because A told it), not only by B's own look.
    await eventually(() => /a notice from another node/.test(b.stderr()), 15_000, 'B read on a notice');
    // The feed too: the activity entry reaches B's sockets.
    await onB.waitFor('activity', (e: { type: string; filename: string }) => e.type === 'checkout' && e.filename === 'PN1001.mcam', 15_000);

    // Redis away: nothing is refused, both nodes say so, and they still agree through the share.
    await redis.stop();
    await eventually(async () => (await health(a.url)).cluster === 'degraded' && (await health(b.url)).cluster === 'degraded', 15_000, 'degraded on both');
    expect((await health(a.url)).detail).toMatch(/Redis/);
    expect((await api(b.url, '/api/files/checkout', { json: { filename: 'PN1002.mcam', user: 'bob' } })).status).toBe(200);
    expect((await api(a.url, '/api/files/checkout', { json: { filename: 'PN1002.mcam', user: 'carol' } })).status).toBe(409);
    await eventually(async () => (await api(a.url, '/api/files/PN1002.mcam')).body.locked_by === 'bob', 15_000, 'A sees B\'s lock from the share');

    // Redis back: ok again, and notices flow again.
    await redis.start();
    await eventually(async () => (await health(a.url)).cluster === 'ok' && (await health(b.url)).cluster === 'ok', 30_000, 'both back on Redis');
    expect((await api(a.url, '/api/files/checkin', { json: { filename: 'PN1001.mcam', user: 'alice' } })).status).toBe(200);
    await onB.waitFor('lock:released', (d: { filename: string }) => d.filename === 'PN1001.mcam', 15_000);
    expect((await api(b.url, '/api/locks')).body.locks).toEqual((await api(a.url, '/api/locks')).body.locks);
    // A node stops cleanly (its sockets and the adapter before its Redis client).
    expect(await a.stop('SIGTERM')).toBe(0);
    expect(a.stderr()).not.toMatch(/unexpected error/);
  });

  it('Redis unreachable at start: the node serves from the share alone and says so', async () => {
    vault = await makeVault();
    const a = await spawnServer(['--repo', vault.root, '--cluster', 'redis://127.0.0.1:9']);
    servers.push(a);
    expect((await api(a.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice' } })).status).toBe(200);
    expect(await health(a.url)).toMatchObject({ status: 'degraded', cluster: 'degraded' });
  });
});
