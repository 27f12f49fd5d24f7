import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { builtWeb, spawnServer, type ServerProcess } from '../support/processes.js';
import { consoleWatch, openPerson, row } from '../support/pages.js';
import { api, eventually } from '../support/server.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';
import { startRedis } from '../support/redis.js';
import { freePort } from '../support/ports.js';

const NGINX = process.env.NGINX ?? '/usr/sbin/nginx';


/**
 * CONTRACT §20: two nodes with --cluster behind a real nginx (sticky by address, as docs/deploy.md
 * says for long polling); the node a browser is on goes away, and Chromium, through nginx, ends
 * up on the other and shows the current board without a refresh.
 */
describe('failover: a node is killed with a browser on it', () => {
  let vault: TempVault;
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let nodes: ServerProcess[] = [];
  let nginx: ChildProcess;
  let browser: Browser;
  let base: string;
  const watch = consoleWatch();

  beforeAll(async () => {
    if (!existsSync(NGINX)) throw new Error(`nginx is not installed (${NGINX}): apt-get install -y nginx`);
    vault = await makeVault();
    redis = await startRedis();
    builtWeb();
    // Real processes: the node with the page on it is killed (SIGKILL), not stopped.
    for (let i = 0; i < 2; i++) nodes.push(await spawnServer(['--repo', vault.root, '--web', '--cluster', redis.url, '--trust-proxy', 'loopback', '--open']));
    await eventually(async () => (await Promise.all(nodes.map(async (n) => (await api(n.url, '/api/health')).body.cluster))).every((c) => c === 'ok'), 15_000, 'both nodes on Redis');
    const d = join(vault.outside, 'nginx');
    await mkdir(d, { recursive: true });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const upstreams = nodes.map((n) => `server ${new URL(n.url).host} max_fails=1 fail_timeout=30s;`).join(' ');
    await writeFile(
      join(d, 'nginx.conf'),
      `daemon off;\nuser root;\nworker_processes 1;\npid ${d}/nginx.pid;\nerror_log ${d}/error.log;\nevents {}\nhttp {\n access_log off;\n client_body_temp_path ${d}/body;\n proxy_temp_path ${d}/proxy;\n fastcgi_temp_path ${d}/fastcgi;\n uwsgi_temp_path ${d}/uwsgi;\n scgi_temp_path ${d}/scgi;\n upstream pdm { ip_hash; ${upstreams} }\n server {\n  listen 127.0.0.1:${port};\n  location / {\n   proxy_pass http://pdm;\n   proxy_http_version 1.1;\n   proxy_set_header Upgrade $http_upgrade;\n   proxy_set_header Connection "upgrade";\n   proxy_set_header Host $http_host;\n   proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n   proxy_next_upstream error timeout http_502;\n  }\n }\n}\n`,
    );
    nginx = spawn(NGINX, ['-c', join(d, 'nginx.conf'), '-p', d], { stdio: ['ignore', 'ignore', 'pipe'] });
    let nginxErr = '';
    nginx.stderr?.on('data', (b: Buffer) => (nginxErr += b.toString()));
    await eventually(async () => (await fetch(`${base}/api/health`).catch(() => null))?.status === 200, 10_000, 'nginx in front of the nodes').catch(async (err: unknown) => {
      const last = await fetch(`${base}/api/health`).then(async (r) => `${r.status} ${await r.text()}`, (e: unknown) => String(e));
      throw new Error(`${(err as Error).message}: ${nginxErr} ${last}`);
    });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    nginx?.kill('SIGTERM');
    for (const n of nodes) await n.stop('SIGKILL');
    await redis?.stop();
    await vault?.cleanup();
  });

  it('Chromium reconnects through nginx to the other node and shows the current board, no refresh', async () => {
    const alice = await openPerson(browser, base, 'alice', watch, 1280);
    await row(alice, 'PN1001.mcam').getByRole('button', { name: 'Check out' }).click();
    await alice.getByRole('button', { name: 'Confirm check-out' }).click();
    await row(alice, 'PN1001.mcam').getByText('Checked out by alice').waitFor();
    // The node alice's page is on (ip_hash: every request from 127.0.0.1 goes to one node).
    const served = await Promise.all(nodes.map(async (n) => ((await api(n.url, '/api/metrics')).body.sockets as number) > 0));
    const mine = served.indexOf(true);
    expect(mine).toBeGreaterThanOrEqual(0);
    const other = nodes[1 - mine]!;
    await nodes[mine]!.stop('SIGKILL');
    // While the page looks for a node, bob changes the board on the one left.
    expect((await api(other.url, '/api/files/checkout', { json: { filename: 'PN1002.mcam', user: 'bob', message: 'on the other node' } })).status).toBe(200);
    await alice.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 30_000 });
    await row(alice, 'PN1002.mcam').getByText('Checked out by bob').waitFor({ timeout: 15_000 });
    await row(alice, 'PN1001.mcam').getByText('Checked out by alice').waitFor({ timeout: 15_000 });
    // And it follows live from there.
    await api(other.url, '/api/files/checkin', { json: { filename: 'PN1002.mcam', user: 'bob' } });
    await row(alice, 'PN1002.mcam').getByRole('button', { name: 'Check out' }).waitFor({ timeout: 15_000 });
    nodes = nodes.filter((_, i) => i !== mine);
  });
});
