import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Runs git in `cwd` with a private HOME and no prompts; resolves with exit code and output. */
export function git(cwd: string, home: string, args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      'git',
      args,
      { cwd, timeout: 30_000, env: { PATH: process.env.PATH, HOME: home, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', LANG: 'C' } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Fails with the install command when the real client is missing. */
export async function requireGitLfs(): Promise<void> {
  const r = await git(process.cwd(), process.env.HOME ?? '/tmp', ['lfs', 'version']);
  if (r.code !== 0) throw new Error('git-lfs is not installed: apt-get install -y git-lfs');
}

/** A git repository whose files mirror the vault's names, committed, pointed at the server. */
export async function lfsRepo(dir: string, lfsUrl: string, user: string, files: string[]): Promise<string> {
  const home = join(dir, 'home');
  const repo = join(dir, 'repo');
  await mkdir(home, { recursive: true });
  await mkdir(repo, { recursive: true });
  await git(repo, home, ['init', '-q']);
  for (const f of files) {
    await mkdir(join(repo, ...f.split('/').slice(0, -1)), { recursive: true });
    await writeFile(join(repo, ...f.split('/')), `content of ${f}\n`);
  }
  await git(repo, home, ['add', '-A']);
  await git(repo, home, ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', 'commit', '-qm', 'init']);
  await git(repo, home, ['config', 'lfs.url', lfsUrl]);
  if (user) await git(repo, home, ['config', 'http.extraHeader', `X-PDM-User: ${user}`]);
  return repo;
}
