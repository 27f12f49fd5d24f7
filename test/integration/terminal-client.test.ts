import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, run } from '../support/processes.js';
import { api, eventually, serverPerTest, startServer } from '../support/server.js';
import { writeUsersFile } from '../support/users.js';

describe('the terminal client: status, checkout, checkin, wait', () => {
  const t = serverPerTest();
  const pdm = (args: string[], env: Record<string, string> = {}) => run(args, { env: { PDM_URL: t.server.url, ...env } });

  it('checks out, shows, checks in (with an upload) and prints plain lines when piped, JSON with --json; exit 0', async () => {
    const out = await pdm(['checkout', 'PN1001.mcam', 'PN1002.mcam', '-m', 'job 4711', '--user', 'alice']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout.trim().split('\n')).toEqual(['PN1001.mcam\tchecked out\talice\tjob 4711\t\t\tdraft A', 'PN1002.mcam\tchecked out\talice\tjob 4711\t\t\tdraft A']);
    const mine = await pdm(['status', '--mine'], { PDM_USER: 'alice' });
    expect(mine.stdout.trim().split('\n').map((l) => l.split('\t')[0])).toEqual(['PN1001.mcam', 'PN1002.mcam']);
    const json = await pdm(['status', 'PN1003.vnc', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ files: [{ name: 'PN1003.vnc', status: 'available' }] });
    // Until: the last column (ISO when piped).
    const until = new Date(Date.now() + 3_600_000).toISOString();
    expect((await pdm(['checkout', 'customer-a/PN2002.vnc', '--until', until, '--user', 'bob'])).code).toBe(0);
    expect((await pdm(['status', 'customer-a/PN2002.vnc'])).stdout.trim().split('\t')).toEqual(['customer-a/PN2002.vnc', 'checked out', 'bob', '', '', until, 'draft A']);
    const upload = join(t.vault.outside, 'new.mcam');
    await writeFile(upload, 'new content');
    const back = await pdm(['checkin', 'PN1001.mcam', '--upload', upload, '--comment', 'posted', '--user', 'alice']);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toMatch(/^PN1001.mcam\tavailable/);
    expect((await api(t.server.url, '/api/files/PN1001.mcam/versions')).body.versions[0]).toMatchObject({ user: 'alice', comment: 'posted' });
  });

  it('refused: exit 1 and the server\'s detail on one line; bad usage exit 2; a server that is down exit 3', async () => {
    await pdm(['checkout', 'PN1001.mcam', '--user', 'alice']);
    const refused = await pdm(['checkout', 'PN1001.mcam', '--user', 'bob']);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/already checked out by alice/);
    expect((await pdm(['checkin', 'nope.mcam', '--user', 'bob'])).code).toBe(1);
    expect((await pdm(['checkout'])).code).toBe(2);
    expect((await pdm(['status', '--url', 'ftp://x'])).code).toBe(2);
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const down = await run(['status'], { env: { PDM_URL: `http://127.0.0.1:${port}` } });
    expect(down.code).toBe(3);
    expect(down.stderr.trim()).toBe(`pdm-live: cannot reach http://127.0.0.1:${port} (ECONNREFUSED)`);
  });

  it('a conflict over several files names each holder; a check-in that hands over says to whom', async () => {
    await pdm(['checkout', 'PN1001.mcam', '--user', 'alice']);
    await pdm(['checkout', 'PN1002.mcam', '--user', 'carol']);
    const refused = await pdm(['checkout', 'PN1001.mcam', 'PN1002.mcam', 'PN1003.vnc', '--user', 'bob']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/PN1001\.mcam \(alice\), PN1002\.mcam \(carol\) are already checked out/);
    await api(t.server.url, '/api/files/wait', { json: { filename: 'PN1001.mcam', user: 'bob' } });
    const back = await pdm(['checkin', 'PN1001.mcam', '--user', 'alice']);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toMatch(/^PN1001.mcam\tchecked out\tbob/);
    expect(back.stderr.trim()).toBe('PN1001.mcam: handed over to bob, the first in its queue');
  });

  it('login (users mode): the password from stdin, a token printed or written to a file the other commands take', async () => {
    const users = join(t.vault.outside, 'users.json');
    await writeUsersFile(users, { alice: ['alice password 1', 'user'] });
    const secured = await startServer(t.vault, { usersFile: users }, 0);
    try {
      const env = { PDM_URL: secured.url };
      const printed = await run(['login', '--user', 'alice'], { env, input: 'alice password 1\n' });
      expect(printed.code, printed.stderr).toBe(0);
      const token = printed.stdout.trim();
      expect((await run(['checkout', 'PN1003.vnc'], { env: { ...env, PDM_TOKEN: token } })).code).toBe(0);
      const file = join(t.vault.outside, 'token');
      expect((await run(['login', '--user', 'alice', '--token-file', file], { env, input: 'alice password 1\n' })).code).toBe(0);
      const mine = await run(['status', '--mine', '--token-file', file], { env });
      expect(mine.stdout.trim().split('\t').slice(0, 3)).toEqual(['PN1003.vnc', 'checked out', 'alice']);
      const wrong = await run(['login', '--user', 'alice'], { env, input: 'not it\n' });
      expect(wrong.code).toBe(1);
      expect(wrong.stdout).toBe('');
    } finally {
      await secured.close();
    }
  });

  it('wait joins the queue and returns once the file is handed over', async () => {
    await pdm(['checkout', 'PN1003.vnc', '--user', 'alice']);
    const w = spawn(process.execPath, [BIN, 'wait', 'PN1003.vnc', '-m', 'need it', '--user', 'bob'], { cwd: ROOT, env: { ...process.env, PDM_URL: t.server.url }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    w.stdout.on('data', (d) => (out += d));
    w.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => w.once('exit', r));
    try {
      await eventually(() => err.includes('waiting for PN1003.vnc (held by alice; 1 in the queue)'), 8000, 'queued');
      await api(t.server.url, '/api/files/checkin', { json: { filename: 'PN1003.vnc', user: 'alice' } });
      expect(await exited).toBe(0);
      expect(out).toMatch(/^PN1003.vnc\tchecked out\tbob\tneed it/);
    } finally {
      w.kill();
    }
  });

  it('history: a table on a terminal, plain lines piped, JSON with --json; checkin --revert undoes a check-out', async () => {
    await pdm(['checkout', 'PN1002.mcam', '-m', 'first go', '--user', 'alice']);
    await pdm(['checkin', 'PN1002.mcam', '--comment', 'posted', '--user', 'alice']);
    await pdm(['checkout', 'PN1002.mcam', '-m', 'second go', '--user', 'bob']);
    await eventually(async () => (await api(t.server.url, '/api/files/PN1002.mcam/versions')).body.versions.length > 0);
    await writeFile(join(t.vault.root, 'PN1002.mcam'), 'a mistake');
    await eventually(async () => (await api(t.server.url, '/api/files/PN1002.mcam/versions')).body.versions[0]?.user === 'bob');

    const undo = await pdm(['checkin', 'PN1002.mcam', '--revert', '--user', 'bob']);
    expect(undo.code, undo.stderr).toBe(0);
    expect(undo.stdout).toMatch(/^PN1002.mcam\tavailable/);
    expect(undo.stderr).toContain('content put back as it was at check-out');
    expect((await pdm(['checkin', 'PN1002.mcam', '--revert', '--upload', 'x', '--user', 'bob'])).code).toBe(2);
    expect((await pdm(['checkin', 'PN1002.mcam', '--revert', '--user', 'bob'])).code).toBe(1);

    const piped = await pdm(['history', 'PN1002.mcam']);
    expect(piped.code, piped.stderr).toBe(0);
    const lines = piped.stdout.trim().split('\n');
    expect(lines[0]!.split('\t')).toEqual([expect.any(String) as string, ...lines[0]!.split('\t').slice(1)]);
    expect(lines.map((l) => [l.split('\t')[0], l.split('\t')[4]])).toEqual([['bob', 'undo_checkout'], ['alice', 'checkin'], [expect.stringMatching(/^# 2 holds; median/), undefined]]);
    const json = JSON.parse((await pdm(['history', 'PN1002.mcam', '--json'])).stdout);
    expect(json).toMatchObject({ holds: [{ user: 'bob', ended: 'undo_checkout', message: 'second go' }, { user: 'alice', comment: 'posted' }], stats: { holds: 2, holders: { alice: 1, bob: 1 } } });
    expect((await pdm(['history', 'nope.mcam'])).code).toBe(1);
    expect((await pdm(['history', 'PN1002.mcam', '--limit', '0'])).code).toBe(2);

    // On a terminal (a pseudo-terminal from util-linux's script): a header and padded columns.
    const tty = await new Promise<string>((resolve) => {
      const p = spawn('script', ['-qec', `${process.execPath} ${BIN} history PN1002.mcam`, '/dev/null'], { cwd: ROOT, env: { ...process.env, PDM_URL: t.server.url, COLUMNS: '200', TZ: 'Asia/Tokyo' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
      p.once('exit', () => {
        clearTimeout(timer);
        resolve(out);
      });
    });
    const rows = tty.replace(/\r/g, '').trim().split('\n');
    expect(rows[0]).toMatch(/^HOLDER\s{2,}FROM\s{2,}TO\s{2,}HELD\s{2,}ENDED\s{2,}MESSAGE\s{2,}COMMENT\s{2,}UNTIL$/);
    // Times in the reader's zone (TZ), not UTC.
    const tokyo = (iso: string) => new Date(iso).toLocaleTimeString('en-GB', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    expect(rows[1]).toContain(tokyo(json.holds[0].from));
    expect(rows[1]).not.toMatch(/\d{4}-\d\d-\d\dT/);
    expect(rows[1]).toMatch(/^bob\s{2,}\S+\s{2,}\S+\s{2,}\d+ s\s{2,}undo_checkout\s{2,}second go/);
    expect(rows.at(-1)).toMatch(/^2 holds; median \d+ s/);
    expect(tty).not.toContain('\t');
  });
});
