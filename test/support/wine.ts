import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error -- a plain .mjs script shared with the command line
import { windowsNode } from '../../scripts/windows-node.mjs';
import { BIN, ROOT } from './processes.js';

const INSTALL = 'apt-get install -y wine wine64';

/** The Windows path Wine gives a Linux path (drive Z: is `/`). */
export function winPath(linux: string): string {
  return 'Z:' + linux.replaceAll('/', '\\');
}

function findWine64(): string {
  for (const p of [process.env.WINE64, '/usr/lib/wine/wine64', '/usr/bin/wine64'].filter(Boolean) as string[]) if (existsSync(p)) return p;
  throw new Error(`Wine is not installed (no wine64): ${INSTALL}`);
}

export interface WinProcess {
  proc: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
}

export interface WinServer extends WinProcess {
  url: string;
  /** Ctrl+C as a service manager's stop sends it (Wine turns SIGINT into it); waits for the exit. */
  stop(): Promise<number | null>;
}

/** One Wine prefix (Windows 10) and the official node.exe, for the Windows stage. */
export class Wine {
  private n = 0;
  private constructor(
    readonly wine64: string,
    readonly nodeExe: string,
    readonly prefix: string,
  ) {}

  /** Makes the prefix (~25 s the first time on this machine) and fetches node.exe if needed. */
  static async start(): Promise<Wine> {
    const wine64 = findWine64();
    const nodeExe = (windowsNode as () => string)();
    const prefix = await mkdtemp(join(tmpdir(), 'pdm-wine-'));
    const wine = new Wine(wine64, nodeExe, prefix);
    // The prefix is made by this first command; on a loaded machine that boot has failed once in
    // a full run (exit 1, nothing on stderr) and worked when run again: up to three tries.
    let last = '';
    for (let attempt = 1; attempt <= 3; attempt++) {
      const reg = wine.spawnRaw(['reg', 'add', 'HKCU\\Software\\Wine', '/v', 'Version', '/d', 'win10', '/f']);
      const code = await reg.exited;
      if (code === 0) return wine;
      last = `exit ${code}: ${reg.stderr()}`;
    }
    throw new Error(`wine reg add failed three times (${last})`);
  }

  private env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return { ...process.env, WINEPREFIX: this.prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=', PDM_LOG_LEVEL: 'warn', ...extra };
  }

  /** Runs a Windows program with stdout/stderr in files (node.exe under Wine fails on pipes). */
  spawnRaw(args: string[], opts: { env?: Record<string, string>; stdinFile?: string } = {}): WinProcess {
    const id = ++this.n;
    const out = join(this.prefix, `out-${id}.txt`);
    const err = join(this.prefix, `err-${id}.txt`);
    const fds = [opts.stdinFile ? openSync(opts.stdinFile, 'r') : 'ignore', openSync(out, 'w'), openSync(err, 'w')] as const;
    const proc = spawn(this.wine64, args, { cwd: ROOT, env: this.env(opts.env), stdio: [...fds] });
    for (const fd of fds) if (typeof fd === 'number') closeSync(fd);
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    const read = (f: string) => () => (existsSync(f) ? readFileSync(f, 'utf8') : '');
    return { proc, exited, stdout: read(out), stderr: read(err) };
  }

  /** `pdm-live ARGS` under node.exe, to completion (bounded). */
  async run(args: string[], opts: { env?: Record<string, string>; stdinFile?: string; timeoutMs?: number } = {}) {
    const p = this.spawnRaw([this.nodeExe, winPath(BIN), ...args], opts);
    const timer = setTimeout(() => p.proc.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    const code = await p.exited;
    clearTimeout(timer);
    return { code, stdout: p.stdout(), stderr: p.stderr() };
  }

  /** A script under node.exe (a Windows process of its own), running in the background. */
  script(file: string, args: string[]): WinProcess {
    return this.spawnRaw([this.nodeExe, winPath(file), ...args]);
  }

  /** `pdm-live serve --no-web --port 0 ARGS` under node.exe; resolves once it prints its URL. */
  async serve(args: string[], env: Record<string, string> = {}): Promise<WinServer> {
    const p = this.spawnRaw([this.nodeExe, winPath(BIN), 'serve', '--no-web', '--port', '0', ...args], { env });
    const deadline = Date.now() + 90_000;
    for (;;) {
      const m = /PDM Live listening on (https?:\/\/\S+)/.exec(p.stdout());
      if (m) {
        return {
          ...p,
          url: m[1]!,
          stop: async () => {
            if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGINT');
            const timer = setTimeout(() => p.proc.kill('SIGKILL'), 20_000);
            const code = await p.exited;
            clearTimeout(timer);
            return code;
          },
        };
      }
      if (p.proc.exitCode !== null || Date.now() > deadline) {
        p.proc.kill('SIGKILL');
        throw new Error(`node.exe server did not start (exit ${p.proc.exitCode}): ${p.stderr()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Ends every Windows process of the prefix and removes it. */
  async close(): Promise<void> {
    const ws = spawn(join(this.wine64, '..', 'wineserver'), ['-k'], { env: this.env(), stdio: 'ignore' });
    await new Promise((r) => ws.once('exit', r));
    await rm(this.prefix, { recursive: true, force: true });
  }
}
