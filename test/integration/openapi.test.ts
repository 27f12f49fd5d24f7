import { Ajv2020 } from 'ajv/dist/2020.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startServer, type TestServer } from '../support/server.js';
import { makeVault, type TempVault } from '../support/temp-vault.js';
import { writeUsersFile } from '../support/users.js';

interface Doc {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>>;
  components: object;
}

/**
 * /api/openapi.json against real answers: every documented operation is called, and each answer's
 * status is documented for it and its JSON body matches the documented schema.
 */
describe('the OpenAPI description matches the API', () => {
  let vault: TempVault;
  let open: TestServer;
  let users: TestServer;
  let doc: Doc;
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  const covered = new Set<string>();

  beforeAll(async () => {
    vault = await makeVault();
    open = await startServer(vault);
    const usersVault = await makeVault();
    const usersFile = join(usersVault.outside, 'users.json');
    await writeUsersFile(usersFile, { alice: ['alice-password', 'user'] });
    users = await startServer(usersVault, { usersFile });
    doc = (await api(open.url, '/api/openapi.json')).body;
  });
  afterAll(async () => {
    await open.close();
    await users.close();
    await vault.cleanup();
  });

  /** Calls `path` (a real one) as the documented `template`, and checks the answer against the document. */
  async function check(url: string, method: string, template: string, path: string, init: Parameters<typeof api>[2] = {}) {
    const res = await fetch(url + path, {
      method: method.toUpperCase(),
      headers: { ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}), ...(init.headers as Record<string, string>) },
      body: init.json !== undefined ? JSON.stringify(init.json) : (init.body ?? null),
    });
    const op = doc.paths[template]?.[method];
    expect(op, `${method} ${template} is documented`).toBeDefined();
    const documented = op!.responses[String(res.status)];
    expect(documented, `${method} ${template} answered ${res.status}, which is documented`).toBeDefined();
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!;
    const media = documented!.content ? Object.keys(documented!.content) : [];
    if (res.status !== 204) expect(media, `${method} ${template} ${res.status}: content type ${type}`).toContain(type);
    let body: any = null;
    if (type.endsWith('json')) {
      body = await res.json();
      const validate = ajv.compile({ ...documented!.content![type]!.schema, components: doc.components });
      expect(validate(body), `${method} ${template} ${res.status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 400)}`).toBe(true);
    } else await res.arrayBuffer();
    covered.add(`${method} ${template}`);
    return body;
  }

  it('every route answers what the description says, in open and users mode', async () => {
    const o = open.url;
    const alice = { 'x-pdm-user': 'alice' };
    expect(doc.openapi).toBe('3.1.0');
    await check(o, 'get', '/api/health', '/api/health');
    await check(o, 'get', '/api/openapi.json', '/api/openapi.json');
    await check(o, 'post', '/api/files/checkout', '/api/files/checkout', { json: { filename: 'PN1001.mcam', message: 'fixture', user: 'alice' } });
    await check(o, 'post', '/api/files/checkout', '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'bob' } });
    await check(o, 'post', '/api/files/checkout', '/api/files/checkout', { json: { filename: 42 } });
    await check(o, 'post', '/api/files/checkout', '/api/files/checkout', { json: { filename: 'nope.mcam' } });
    await check(o, 'get', '/api/files', '/api/files');
    await check(o, 'get', '/api/locks', '/api/locks');
    await check(o, 'get', '/api/files/{name}', '/api/files/customer-a/PN2002.vnc');
    await check(o, 'get', '/api/files/{name}', '/api/files/missing.mcam');
    await check(o, 'get', '/api/files/{name}/content', '/api/files/PN1001.mcam/content');
    await check(o, 'put', '/api/files/{name}/content', '/api/files/PN1001.mcam/content', { body: 'new bytes', headers: alice });
    await check(o, 'put', '/api/files/{name}/content', '/api/files/PN1002.mcam/content', { body: 'x', headers: alice });
    await check(o, 'get', '/api/files/{name}/versions', '/api/files/PN1001.mcam/versions');
    await check(o, 'get', '/api/files/{name}/versions/{n}/content', '/api/files/PN1001.mcam/versions/1/content');
    await check(o, 'get', '/api/files/{name}/versions/{n}/content', '/api/files/PN1001.mcam/versions/x/content');
    await check(o, 'post', '/api/files/{name}/versions/{n}/restore', '/api/files/PN1001.mcam/versions/1/restore', { json: { user: 'alice' } });
    await check(o, 'post', '/api/files/{name}/versions/{n}/restore', '/api/files/PN1001.mcam/versions/1/restore', { json: { user: 'bob' } });
    await check(o, 'post', '/api/files/checkin', '/api/files/checkin', { json: { filename: 'PN1001.mcam', user: 'bob' } });
    await check(o, 'post', '/api/files/checkin', '/api/files/checkin', { json: { filename: 'PN1001.mcam', user: 'alice', comment: 'done' } });
    await check(o, 'post', '/api/files/checkin', '/api/files/checkin', { json: { filename: 'PN1001.mcam', user: 'alice' } });
    await check(o, 'post', '/api/files/checkout', '/api/files/checkout', { json: { filename: 'PN1002.mcam', user: 'carol', until: new Date(Date.now() + 3600_000).toISOString() } });
    await check(o, 'post', '/api/files/wait', '/api/files/wait', { json: { filename: 'PN1002.mcam', user: 'dan', message: 'next' } });
    await check(o, 'post', '/api/files/checkout', '/api/files/checkout', { json: { filenames: ['PN1002.mcam', 'PN1003.vnc'], user: 'erin' } });
    await check(o, 'post', '/api/files/checkout', '/api/files/checkout', { json: { filenames: ['PN1003.vnc', 'customer-a/PN2002.vnc'], user: 'erin' } });
    await check(o, 'post', '/api/files/checkin', '/api/files/checkin', { json: { filenames: ['customer-a/PN2002.vnc'], user: 'erin' } });
    await check(o, 'post', '/api/files/wait', '/api/files/wait', { json: { filename: 'PN1003.vnc', user: 'dan' } });
    await check(o, 'post', '/api/files/unwait', '/api/files/unwait', { json: { filename: 'PN1002.mcam', user: 'dan' } });
    await check(o, 'post', '/api/files/nudge', '/api/files/nudge', { json: { filename: 'PN1002.mcam', user: 'dan' } });
    await check(o, 'post', '/api/files/nudge', '/api/files/nudge', { json: { filename: 'PN1002.mcam', user: 'dan' } });
    await check(o, 'get', '/api/notifications', '/api/notifications', { headers: alice });
    await check(o, 'put', '/api/notifications', '/api/notifications', { json: { settings: { mail: { nudge: false } } }, headers: alice });
    await check(o, 'put', '/api/notifications', '/api/notifications', { json: { settings: { mail: { nope: false } } }, headers: alice });
    await check(o, 'post', '/api/notifications/push', '/api/notifications/push', { json: { subscription: { endpoint: 'https://fcm.googleapis.com/fcm/send/x', keys: { p256dh: 'k', auth: 'a' } } }, headers: alice });
    await check(o, 'post', '/api/notifications/push', '/api/notifications/push', { json: { subscription: {} }, headers: alice });
    await check(o, 'delete', '/api/notifications/push', '/api/notifications/push', { json: { endpoint: 'https://push.example/x' }, headers: alice });
    await check(o, 'get', '/api/presence', '/api/presence');
    await check(o, 'get', '/api/activity', '/api/activity?limit=50');
    await check(o, 'get', '/api/activity', '/api/activity?limit=zero');
    await check(o, 'get', '/api/activity', '/api/activity?user=alice&type=checkout,checkin&limit=5');
    await check(o, 'get', '/api/activity', '/api/activity?format=csv&filename=PN1001.mcam');
    await check(o, 'get', '/api/activity', '/api/activity?since=yesterday');
    await check(o, 'get', '/api/files/{name}/history', '/api/files/PN1001.mcam/history');
    await check(o, 'get', '/api/files/{name}/history', '/api/files/PN1002.mcam/history?limit=2');
    await check(o, 'get', '/api/files/{name}/history', '/api/files/nope.mcam/history');
    await check(o, 'post', '/api/files/checkout', '/api/files/checkout', { json: { filename: 'customer-a/PN2002.vnc', user: 'alice' } });
    await check(o, 'post', '/api/files/checkin', '/api/files/checkin', { json: { filename: 'customer-a/PN2002.vnc', revert: true, user: 'alice' } });
    await check(o, 'post', '/api/files/{name}/state', '/api/files/PN1003.vnc/state', { json: { state: 'proven', user: 'alice' } });
    await check(o, 'post', '/api/files/{name}/state', '/api/files/PN1003.vnc/state', { json: { state: 'released', user: 'alice', comment: 'not an approver' } });
    await check(o, 'post', '/api/files/{name}/state', '/api/files/PN1003.vnc/state', { json: { state: 'obsolete', user: 'alice', comment: 'not from proven' } });
    await check(o, 'post', '/api/files/{name}/state', '/api/files/PN1003.vnc/state', { json: { state: 'nope' } });
    await check(o, 'get', '/api/files/{name}/states', '/api/files/PN1003.vnc/states');
    await check(o, 'get', '/api/session', '/api/session', { headers: alice });
    await check(o, 'get', '/api/metrics', '/api/metrics');
    await check(o, 'get', '/metrics', '/metrics');
    const lfs = { ...alice, accept: 'application/vnd.git-lfs+json', 'content-type': 'application/vnd.git-lfs+json' };
    const created = await check(o, 'post', '/api/lfs/locks', '/api/lfs/locks', { body: JSON.stringify({ path: 'PN1003.vnc' }), headers: lfs });
    const id: string = created.lock.id;
    await check(o, 'post', '/api/lfs/locks', '/api/lfs/locks', { body: JSON.stringify({ path: 'PN1003.vnc' }), headers: lfs });
    await check(o, 'get', '/api/lfs/locks', '/api/lfs/locks', { headers: lfs });
    await check(o, 'post', '/api/lfs/locks/verify', '/api/lfs/locks/verify', { body: '{}', headers: lfs });
    await check(o, 'post', '/api/lfs/locks/{id}/unlock', `/api/lfs/locks/${id}/unlock`, { body: '{}', headers: { ...lfs, 'x-pdm-user': 'bob' } });
    await check(o, 'post', '/api/lfs/locks/{id}/unlock', `/api/lfs/locks/${id}/unlock`, { body: '{}', headers: lfs });
    await check(o, 'post', '/api/lfs/locks/{id}/unlock', '/api/lfs/locks/nope/unlock', { body: '{}', headers: lfs });

    // Users mode: sign-in, who am I, a request without a session, sign-out.
    const u = users.url;
    await check(u, 'get', '/api/session', '/api/session');
    await check(u, 'post', '/api/session', '/api/session', { json: { user: 'alice', password: 'wrong' } });
    const signedIn = await check(u, 'post', '/api/session', '/api/session', { json: { user: 'alice', password: 'alice-password' } });
    const bearer = { authorization: `Bearer ${signedIn.token as string}` };
    await check(u, 'get', '/api/session', '/api/session', { headers: bearer });
    await check(u, 'get', '/api/files', '/api/files');
    await check(u, 'post', '/api/lfs/locks/verify', '/api/lfs/locks/verify', { body: '{}', headers: { 'content-type': 'application/vnd.git-lfs+json' } });
    await check(o, 'post', '/api/session', '/api/session', { json: { user: 'alice', password: 'x' } });
    await check(u, 'delete', '/api/session', '/api/session', { headers: bearer });

    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(documented.filter((op) => !covered.has(op))).toEqual([]);
  });
});
