import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/pdm-live.js', import.meta.url));

export interface ServerProcess {
  url: string;
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs `pdm-live` as a real OS process, without the page unless `args` has `--web` (`wrap`: a command that runs node, e.g. `faketime -f
 * -60s`); resolves once it prints its URL. With PDM_TEST_CPU_PROF=dir
 * each server writes a V8 CPU profile there when it stops (NODE_OPTIONS may not carry --cpu-prof).
 */
export function spawnServer(args: string[], env: Record<string, string> = {}, wrap: string[] = []): Promise<ServerProcess> {
  const [command, ...before] = [...wrap, process.execPath];
  const proc = spawn(command, [...before, ...(process.env.PDM_TEST_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PDM_TEST_CPU_PROF}`] : []), BIN, 'serve', ...(args.includes('--web') ? [] : ['--no-web']), '--port', '0', ...args.filter((a) => a !== '--web')], {
    cwd: ROOT,
    env: { ...process.env, PDM_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 20_000);
    proc.stdout.on('data', () => {
      const m = /PDM Live listening on (https?:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1]!,
          proc,
          stdout: () => out,
          stderr: () => err,
          stop: (signal = 'SIGTERM') => {
            if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
            return exited;
          },
        });
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${err}`));
    });
  });
}

/** Runs a command to completion (bounded), collecting its output. */
export function run(args: string[], opts: { env?: Record<string, string>; input?: string; timeoutMs?: number; node?: string[] } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const proc = spawn(process.execPath, [...(opts.node ?? [BIN]), ...args], {
      cwd: ROOT,
      env: { ...process.env, PDM_LOG_LEVEL: 'warn', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    proc.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The page as `npm run build` left it (npm test builds before it runs the tests). */
export function builtWeb(): string {
  const dist = fileURLToPath(new URL('../../dist/web', import.meta.url));
  if (!existsSync(`${dist}/index.html`)) throw new Error(`the page is not built (${dist}): run npm run build`);
  return dist;
}
