import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/processes.js';
import { eventually, startServer, type TestServer } from '../support/server.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';
import { writeUsersFile } from '../support/users.js';
import { freePort } from '../support/ports.js';

const NGINX = process.env.NGINX ?? '/usr/sbin/nginx';


/** The nginx block of docs/deploy.md §5, as people copy it. */
async function documentedBlock(): Promise<string> {
  const doc = await readFile(join(ROOT, 'docs', 'deploy.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## 5. A reverse proxy'));
  const m = /```nginx\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error('docs/deploy.md §5 has no nginx block');
  return m[1]!;
}

/**
 * The reverse proxy docs/deploy.md recommends, for real: Debian's nginx with the documented block
 * (only the listen port, certificate paths and upstream port changed) in front of a users-mode
 * server started with --trust-proxy loopback.
 */
describe('behind the documented nginx block (TLS)', () => {
  let vault: TempVault;
  let server: TestServer;
  let nginx: ChildProcess;
  let base: string;
  let ca: Buffer;
  const dir = () => join(vault.outside, 'nginx');

  const call = (path: string, opts: { method?: string; json?: unknown; headers?: Record<string, string>; from?: string } = {}) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const body = opts.json === undefined ? undefined : JSON.stringify(opts.json);
      const req = request(`${base}${path}`, { method: opts.method ?? (body ? 'POST' : 'GET'), ca, localAddress: opts.from, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...opts.headers } }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });

  beforeAll(async () => {
    if (!existsSync(NGINX)) throw new Error(`nginx is not installed (${NGINX}): apt-get install -y nginx`);
    vault = await makeVault();
    const usersFile = join(vault.outside, 'users.json');
    await writeUsersFile(usersFile, { alice: ['alice password 1', 'user'] });
    server = await startServer(vault, { usersFile, trustProxy: ['loopback'], signInLimits: { perUser: 3, perAddress: 5, windowMs: 60_000 } });
    await mkdir(dir(), { recursive: true });
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir(), 'key.pem'), '-out', join(dir(), 'cert.pem')]);
    ca = await readFile(join(dir(), 'cert.pem'));
    const port = await freePort();
    base = `https://127.0.0.1:${port}`;
    const upstream = new URL(server.url).port;
    const block = (await documentedBlock())
      .replace('listen 443 ssl;', `listen 127.0.0.1:${port} ssl;`)
      .replace('/etc/pdm-live/tls/cert.pem', join(dir(), 'cert.pem'))
      .replace('/etc/pdm-live/tls/key.pem', join(dir(), 'key.pem'))
      .replace('http://127.0.0.1:8000', `http://127.0.0.1:${upstream}`);
    const d = dir();
    await writeFile(
      join(d, 'nginx.conf'),
      `daemon off;\nuser root;\nworker_processes 1;\npid ${d}/nginx.pid;\nerror_log ${d}/error.log;\nevents {}\nhttp {\n access_log off;\n client_body_temp_path ${d}/body;\n proxy_temp_path ${d}/proxy;\n fastcgi_temp_path ${d}/fastcgi;\n uwsgi_temp_path ${d}/uwsgi;\n scgi_temp_path ${d}/scgi;\n${block}\n}\n`,
    );
    nginx = spawn(NGINX, ['-c', join(d, 'nginx.conf'), '-p', d], { stdio: 'ignore' });
    await eventually(async () => (await call('/api/health')).status === 200, 10_000, 'nginx in front of the server');
  }, 60_000);
  afterAll(async () => {
    nginx?.kill('SIGTERM');
    await server?.close();
    await vault?.cleanup();
  });

  it('#17 the documented block works: sign-in (Secure cookie, #9), a check-out from the page\'s origin, a WebSocket', async () => {
    const signIn = await call('/api/session', { json: { user: 'alice', password: 'alice password 1' }, headers: { origin: base } });
    expect(signIn.status).toBe(200);
    expect(String(signIn.headers['set-cookie'])).toMatch(/; Secure/);
    const token = (JSON.parse(signIn.body) as { token: string }).token;
    const checkout = await call('/api/files/checkout', { json: { filename: 'PN1001.mcam' }, headers: { origin: base, authorization: `Bearer ${token}` } });
    expect(checkout.status).toBe(200);
    // #16 the scheme counts: the same host and port over http:// is another origin.
    const plain = await call('/api/files/checkout', { json: { filename: 'PN1002.mcam' }, headers: { origin: base.replace('https:', 'http:'), authorization: `Bearer ${token}` } });
    expect(plain.status).toBe(403);
    const socket = io(base, { transports: ['websocket'], reconnection: false, ca: ca.toString(), extraHeaders: { origin: base }, auth: { token } });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('snapshot', () => resolve());
        socket.once('connect_error', reject);
      });
    } finally {
      socket.close();
    }
  });

  it('#6 behind the proxy each client is itself: one address guessing locks out that address, not alice', async () => {
    const guesses = [];
    for (let i = 0; i < 6; i++) guesses.push((await call('/api/session', { json: { user: `nobody${i}`, password: 'wrong' }, from: '127.0.0.2' })).status);
    expect(guesses).toEqual([401, 401, 401, 401, 401, 429]);
    expect((await call('/api/session', { json: { user: 'alice', password: 'alice password 1' }, from: '127.0.0.1' })).status).toBe(200);
  });
});
