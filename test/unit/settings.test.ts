import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serveSettings } from '../../server/cli/serve.js';
import { flagTable, SERVE_OPTIONS } from '../../server/cli/settings.js';
import { run } from '../support/processes.js';

async function configFile(content: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pdm-config-'));
  const file = join(dir, 'pdm.json');
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('settings: flags, env and the --config file', () => {
  it('a flag beats its env variable, which beats the file, which beats the default', async () => {
    const file = await configFile({ port: 7001, host: '127.0.0.2', poll: 500, 'keep-versions': 9 });
    const s = serveSettings({ config: file, port: '7003' }, { PORT: '7002', HOST: '127.0.0.3' });
    expect(s.port).toBe(7003);
    expect(s.host).toBe('127.0.0.3');
    expect(s.poll).toBe(500);
    expect(s['keep-versions']).toBe(9);
    expect(s.stale).toBeUndefined(); // the default is applied by serve, from DEFAULTS
  });

  it('PDM_CONFIG names the file; relative paths in it resolve against its folder', async () => {
    const file = await configFile({ repo: 'vault', data: '../data', users: 'users.json' });
    const dir = resolve(file, '..');
    const s = serveSettings({}, { PDM_CONFIG: file });
    expect(s.repo).toBe(join(dir, 'vault'));
    expect(s.data).toBe(resolve(dir, '../data'));
    expect(s.users).toBe(join(dir, 'users.json'));
  });

  it('lists take arrays or comma-separated strings; booleans take true/false', async () => {
    const file = await configFile({ extensions: ['.MCAM', 'nc'], admins: 'boss, chief', open: true, web: false });
    const s = serveSettings({ config: file }, {});
    expect(s.extensions).toEqual(['.mcam', '.nc']);
    expect(s.admins).toEqual(['boss', 'chief']);
    expect(s.open).toBe(true);
    expect(s.web).toBe(false);
  });

  it('test-only settings come in through the CLI (env), not read below it', () => {
    const s = serveSettings({}, { PDM_STALE_MS: '3000', PDM_GROUP_COMMIT: 'off', PDM_DEBUG_HOLD_MS: '800', PDM_LOG_LEVEL: 'silent' });
    expect(s).toMatchObject({ stale: 3000, 'group-commit': false, 'debug-hold-ms': 800, 'log-level': 'silent' });
  });

  it.each([
    [{ prot: true }, /unknown key "prot"/],
    [{ port: 'eighty' }, /invalid key "port" in the config file/],
    [{ port: 70000 }, /invalid key "port"/],
    [{ open: 'maybe' }, /invalid key "open"/],
    [{ extensions: 5 }, /invalid key "extensions"/],
    ['[1,2]', /must hold a JSON object/],
    ['{"port":', /is not valid JSON/],
  ])('a bad config file %j is one line on stderr naming it, exit 1', async (content, message) => {
    const file = await configFile(content);
    const r = await run(['serve', '--no-web', '--config', file, '--port', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it('the README flag table is the one --help is made from', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(flagTable());
    const help = await run(['serve', '--help']);
    for (const [key, spec] of Object.entries(SERVE_OPTIONS)) {
      if ('hidden' in spec && spec.hidden) continue;
      expect(help.stdout).toContain(key === 'web' ? '--no-web' : `--${key}`);
    }
  });
});
