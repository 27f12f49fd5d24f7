import { readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { api, eventually, startServer, serverPerTest } from '../support/server.js';
import { makeVault } from '../support/temp-vault.js';

describe('HTTP API', () => {
  const t = serverPerTest({ admins: ['boss'] });

  it("the seeds' check: the same check-out twice answers 200, then 409 with the holder in detail", async () => {
    const first = await api(t.server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice', message: 'Working on revisions' } });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(first.body).toMatchObject({ success: true, file: { name: 'PN1001.mcam', status: 'checked_out', locked_by: 'alice', lock: { user: 'alice', message: 'Working on revisions' } } });
    const second = await api(t.server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice' } });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: 'ALREADY_LOCKED', lock: { user: 'alice' } });
    expect(second.body.detail).toContain('alice');
  });

  it('a bare curl without a user or content type is accepted as "anonymous"', async () => {
    const res = await fetch(`${t.server.url}/api/files/checkout`, { method: 'POST', body: '{"filename":"PN1002.mcam"}', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).file.locked_by).toBe('anonymous');
  });

  it('lists files sorted by code point with size, time and status, never the data folder', async () => {
    await t.vault.write('B.mcam');
    await t.vault.write('.pdm/hidden.mcam');
    await t.vault.write('notes.txt');
    await t.vault.write('UPPER.MCAM');
    await t.server.app.store.refresh();
    const { status, body } = await eventually(async () => {
      const r = await api(t.server.url, '/api/files');
      return r.body.files.length === 6 ? r : null;
    });
    expect(status).toBe(200);
    expect(body.files.map((f: any) => f.name)).toEqual(['B.mcam', 'PN1001.mcam', 'PN1002.mcam', 'PN1003.vnc', 'UPPER.MCAM', 'customer-a/PN2002.vnc']);
    expect(body.files[1]).toEqual({ name: 'PN1001.mcam', size_bytes: 23, modified: expect.any(String), status: 'available', locked_by: null, lock: null, warning: null, protected: false, queue: [], state: 'draft', revision: 'A', state_changed: null });
    expect(typeof body.revision).toBe('number');
  });

  it('serves one file by name, with / in the name encoded or not', async () => {
    for (const path of ['/api/files/customer-a/PN2002.vnc', '/api/files/customer-a%2FPN2002.vnc']) {
      const r = await api(t.server.url, path);
      expect(r.status).toBe(200);
      expect(r.body.name).toBe('customer-a/PN2002.vnc');
    }
  });

  it('downloads content as an attachment', async () => {
    const res = await fetch(`${t.server.url}/api/files/customer-a/PN2002.vnc/content`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="?PN2002\.vnc"?$/);
    expect(await res.text()).toBe('content of customer-a/PN2002.vnc\n');
  });

  it('check-in releases, and the lock and activity endpoints show it', async () => {
    await api(t.server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice', message: 'm1' } });
    const locks = await api(t.server.url, '/api/locks');
    expect(locks.body.locks['PN1001.mcam']).toMatchObject({ user: 'alice', message: 'm1' });
    const res = await api(t.server.url, '/api/files/checkin', { json: { filename: 'PN1001.mcam', user: 'alice' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, file: { status: 'available', locked_by: null, lock: null } });
    const act = await api(t.server.url, '/api/activity');
    expect(act.body.events.map((e: any) => [e.type, e.filename, e.user, e.source])).toEqual([
      ['checkout', 'PN1001.mcam', 'alice', 'api'],
      ['checkin', 'PN1001.mcam', 'alice', 'api'],
    ]);
    const after = await api(t.server.url, `/api/activity?after=${act.body.events[0].id}`);
    expect(after.body.events.map((e: any) => e.type)).toEqual(['checkin']);
    const limited = await api(t.server.url, '/api/activity?limit=1');
    expect(limited.body.events.map((e: any) => e.type)).toEqual(['checkin']);
    const lines = (await readFile(join(t.vault.dataDir, 'activity.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(2);
  });

  it('uses X-PDM-User when the body names nobody', async () => {
    const r = await api(t.server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam' }, headers: { 'x-pdm-user': 'carol' } });
    expect(r.body.file.locked_by).toBe('carol');
  });

  describe('error codes', () => {
    it('403 NOT_LOCK_OWNER: check-in of a lock held by someone else, with the lock', async () => {
      await api(t.server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice' } });
      const r = await api(t.server.url, '/api/files/checkin', { json: { filename: 'PN1001.mcam', user: 'bob' } });
      expect(r.status).toBe(403);
      expect(r.body).toMatchObject({ code: 'NOT_LOCK_OWNER', lock: { user: 'alice' } });
    });

    it('403 FORBIDDEN: force by a non-admin; an admin may force', async () => {
      await api(t.server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice' } });
      const r = await api(t.server.url, '/api/files/checkin', { json: { filename: 'PN1001.mcam', user: 'bob', force: true } });
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('FORBIDDEN');
      const ok = await api(t.server.url, '/api/files/checkin', { json: { filename: 'PN1001.mcam', user: 'boss', force: true } });
      expect(ok.status).toBe(200);
      const act = await api(t.server.url, '/api/activity');
      expect(act.body.events.at(-1)).toMatchObject({ type: 'force_release', user: 'boss', previous_user: 'alice' });
    });

    it('404 FILE_NOT_FOUND: a tracked name that does not exist', async () => {
      for (const [method, path, json] of [
        ['POST', '/api/files/checkout', { filename: 'nope.mcam' }],
        ['POST', '/api/files/checkin', { filename: 'nope.mcam' }],
        ['GET', '/api/files/nope.mcam', undefined],
        ['GET', '/api/files/nope.mcam/content', undefined],
      ] as const) {
        const r = await api(t.server.url, path, { method, json });
        expect(r.status, path).toBe(404);
        expect(r.body.code).toBe('FILE_NOT_FOUND');
      }
    });

    it('409 NOT_LOCKED: check-in of a file nobody holds', async () => {
      const r = await api(t.server.url, '/api/files/checkin', { json: { filename: 'PN1001.mcam', user: 'alice' } });
      expect(r.status).toBe(409);
      expect(r.body.code).toBe('NOT_LOCKED');
    });

    it('413 PAYLOAD_TOO_LARGE: a body over the limit', async () => {
      const r = await api(t.server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', message: 'x'.repeat(200_000) } });
      expect(r.status).toBe(413);
      expect(r.body.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('503 LOCKS_UNAVAILABLE: locks.json does not parse; it is not overwritten and health says why', async () => {
      await api(t.server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: 'alice' } });
      await writeFile(t.vault.locksFile, 'not json');
      const h = await eventually(async () => {
        const r = await api(t.server.url, '/api/health');
        return r.body.status === 'degraded' ? r : null;
      });
      expect(h.body).toMatchObject({ status: 'degraded', locks: 'unavailable', detail: expect.stringContaining('not valid JSON') });
      const r = await api(t.server.url, '/api/files/checkout', { json: { filename: 'PN1002.mcam', user: 'bob' } });
      expect(r.status).toBe(503);
      expect(r.body.code).toBe('LOCKS_UNAVAILABLE');
      expect(await readFile(t.vault.locksFile, 'utf8')).toBe('not json');
      expect((await api(t.server.url, '/api/locks')).body.locks['PN1001.mcam'].user).toBe('alice');
      await writeFile(t.vault.locksFile, '{}\n');
      await eventually(async () => (await api(t.server.url, '/api/health')).body.status === 'ok', 3000, 'recovery');
      expect((await api(t.server.url, '/api/files/checkout', { json: { filename: 'PN1002.mcam', user: 'bob' } })).status).toBe(200);
    });

    it('404 NOT_FOUND as JSON for unknown API routes', async () => {
      const r = await api(t.server.url, '/api/nothing-here');
      expect(r.status).toBe(404);
      expect(r.body.code).toBe('NOT_FOUND');
    });

    const bad: Array<[string, unknown, string[]?]> = [
      ['a missing filename', { user: 'a' }],
      ['a number as filename', { filename: 42 }],
      ['an empty filename', { filename: '' }],
      ['an absolute name', { filename: '/etc/passwd.mcam' }],
      ['a name with ..', { filename: '../outside.mcam' }],
      ['a name with a backslash', { filename: 'a\\b.mcam' }],
      ['a name with NUL', { filename: 'a\u0000.mcam' }],
      ['a name with a control character', { filename: 'a\u0007.mcam' }],
      ['an untracked extension', { filename: 'notes.txt' }],
      ['an over-long name', { filename: 'a'.repeat(2000) + '.mcam' }],
      ['an empty message', { filename: 'PN1001.mcam', message: '' }, ['checkout']],
      ['an over-long message', { filename: 'PN1001.mcam', message: 'x'.repeat(2001) }, ['checkout']],
      ['a message of the wrong type', { filename: 'PN1001.mcam', message: 7 }, ['checkout']],
      ['an over-long comment', { filename: 'PN1001.mcam', comment: 'x'.repeat(2001) }, ['checkin']],
      ['an empty user', { filename: 'PN1001.mcam', user: '' }],
      ['a user with control characters', { filename: 'PN1001.mcam', user: 'a\nb' }],
      ['force of the wrong type', { filename: 'PN1001.mcam', force: 'yes' }, ['checkin']],
      ['an array body', ['PN1001.mcam']],
      ['a string body', 'PN1001.mcam'],
    ];
    it.each(bad)('400 INVALID_REQUEST: %s, and nothing changes', async (_what, body, commands = ['checkout', 'checkin']) => {
      for (const command of commands) {
        const path = `/api/files/${command}`;
        const r = await api(t.server.url, path, { json: body });
        expect(r.status).toBe(400);
        expect(r.body.code).toBe('INVALID_REQUEST');
        expect(typeof r.body.detail).toBe('string');
      }
      expect((await api(t.server.url, '/api/locks')).body.locks).toEqual({});
    });

    it('400 INVALID_REQUEST: malformed JSON', async () => {
      const r = await api(t.server.url, '/api/files/checkout', { method: 'POST', body: '{"filename": ', headers: { 'content-type': 'application/json' } });
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('INVALID_REQUEST');
    });

    it('400 INVALID_REQUEST: a bad activity query', async () => {
      expect((await api(t.server.url, '/api/activity?limit=abc')).status).toBe(400);
      expect((await api(t.server.url, '/api/activity?limit=0')).status).toBe(400);
    });
  });

  it('never follows or serves a link that leads outside the vault', async () => {
    await writeFile(join(t.vault.outside, 'secret.mcam'), 'secret');
    await symlink(join(t.vault.outside, 'secret.mcam'), join(t.vault.root, 'link.mcam'));
    await symlink(t.vault.outside, join(t.vault.root, 'linkdir'));
    const list = await api(t.server.url, '/api/files');
    expect(list.body.files.map((f: any) => f.name)).not.toContain('link.mcam');
    expect((await api(t.server.url, '/api/files/link.mcam/content')).status).toBe(404);
    expect((await api(t.server.url, '/api/files/linkdir/secret.mcam/content')).status).toBe(404);
    expect((await api(t.server.url, '/api/files/checkout', { json: { filename: 'linkdir/secret.mcam' } })).status).toBe(404);
  });

  it('50 concurrent check-outs of one file: exactly one 200', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => api(t.server.url, '/api/files/checkout', { json: { filename: 'PN1001.mcam', user: `u${i}` } })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(49);
  });
});

describe('HTTP hardening', () => {
  it('sends security headers with a same-origin CSP, and downloads with a safe attachment name', async () => {
    const vault = await makeVault(['weird "name";\u00e9.mcam']);
    const server = await startServer(vault);
    try {
      const res = await fetch(`${server.url}/api/health`);
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-powered-by')).toBeNull();
      const dl = await fetch(`${server.url}/api/files/${encodeURIComponent('weird "name";\u00e9.mcam')}/content`);
      expect(dl.status).toBe(200);
      const cd = dl.headers.get('content-disposition')!;
      expect(cd).toMatch(/^attachment; filename="weird \\"name\\";\?\.mcam"; filename\*=UTF-8''weird%20%22name%22%3B%C3%A9\.mcam$/);
    } finally {
      await server.close();
      await vault.cleanup();
    }
  });

  it('answers errors without stack traces', async () => {
    const vault = await makeVault();
    const server = await startServer(vault);
    try {
      const r = await api(server.url, '/api/files/checkout', { method: 'POST', body: '{bad', headers: { 'content-type': 'application/json' } });
      expect(JSON.stringify(r.body)).not.toMatch(/at .*\.(js|ts):\d+/);
      expect(Object.keys(r.body).sort()).toEqual(['code', 'detail']);
    } finally {
      await server.close();
      await vault.cleanup();
    }
  });
});
