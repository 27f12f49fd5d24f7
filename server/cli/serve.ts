import { existsSync, statSync, accessSync, constants as fsc } from 'node:fs';
import { mkdir, realpath } from 'node:fs/promises';
import { isIP } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '../app.js';
import { parseExtensions } from '../config.js';
import { createLogger } from '../logger.js';
import { createDemoVault } from './demo-vault.js';
import { ensureWebBuilt } from './web-build.js';

export interface ServeFlags {
  repo?: string;
  data?: string;
  locks?: string;
  port?: string;
  host?: string;
  extensions?: string;
  poll?: string;
  admins?: string;
  open?: boolean;
  users?: string;
  keepVersions?: string;
  maxUpload?: string;
  web?: boolean;
}

/** A start-up problem: printed as one line on stderr, exit 1. */
export class UsageError extends Error {}

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function intFlag(name: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`invalid ${name} "${value}": expected a whole number from ${min} to ${max}`);
  }
  return Number(value);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** `pdm-live serve`: flags over env over defaults, as the contract's table says. */
export async function serve(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const port = intFlag('--port', flags.port ?? env.PORT ?? '8000', 0, 65535);
  const host = flags.host ?? env.HOST ?? '127.0.0.1';
  const extensions = (() => {
    try {
      return parseExtensions(flags.extensions ?? env.PDM_EXTENSIONS ?? '.mcam,.vnc');
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  })();
  const pollMs = flags.poll ?? env.PDM_POLL ? intFlag('--poll', (flags.poll ?? env.PDM_POLL)!, 50, 3_600_000) : 0;
  // Undocumented in the contract: tests shorten the stale period to keep kill -9 scenarios quick.
  const staleMs = env.PDM_STALE_MS ? intFlag('PDM_STALE_MS', env.PDM_STALE_MS, 2000, 600_000) : 15_000;
  const keepVersions = intFlag('--keep-versions', flags.keepVersions ?? env.PDM_KEEP_VERSIONS ?? '50', 1, 100_000);
  const maxUploadBytes = intFlag('--max-upload', flags.maxUpload ?? env.PDM_MAX_UPLOAD ?? String(2 * 1024 ** 3), 1, Number.MAX_SAFE_INTEGER);
  // Benchmark baseline only: PDM_GROUP_COMMIT=off takes the lock once per mutation.
  const groupCommit = env.PDM_GROUP_COMMIT !== 'off';
  const admins = (flags.admins ?? env.PDM_ADMINS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const usersGiven = flags.users ?? env.PDM_USERS;
  const usersFile = usersGiven ? resolve(usersGiven) : undefined;
  if (usersFile && !existsSync(usersFile)) {
    throw new UsageError(`the users file ${usersFile} does not exist: create it with pdm-live user add NAME --users ${usersGiven}`);
  }
  if (!usersFile && !isLoopback(host) && !flags.open) {
    throw new UsageError(`refusing to listen on ${host} without authentication: use a loopback address, or pass --open to allow anyone on the network to name themselves`);
  }

  const repoGiven = flags.repo ?? env.PDM_REPO;
  const repoPath = resolve(repoGiven ?? 'vault');
  if (!repoGiven && !existsSync(repoPath)) {
    await createDemoVault(repoPath);
    console.log(`Created a demo vault at ${repoPath}`);
  }
  try {
    if (!statSync(repoPath).isDirectory()) throw new UsageError(`the vault ${repoPath} is not a folder`);
    accessSync(repoPath, fsc.R_OK | fsc.X_OK);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`the vault ${repoPath} is missing or unreadable (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const repo = await realpath(repoPath);
  const dataGiven = flags.data ?? env.PDM_DATA;
  // Inside the vault, keep the data folder on the vault's real path so "never listed" holds.
  const dataDir = dataGiven ? resolveReal(repoPath, repo, resolve(dataGiven)) : join(repo, '.pdm');
  const locksFile = resolve(flags.locks ?? env.PDM_LOCKS ?? join(dataDir, 'locks.json'));
  try {
    await mkdir(dataDir, { recursive: true });
    await mkdir(dirname(locksFile), { recursive: true });
  } catch (err) {
    throw new UsageError(`cannot create the data folder ${dataDir} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }

  const webDist = flags.web === false ? null : await ensureWebBuilt(PROJECT_ROOT);
  const logger = createLogger();
  const app = await createApp({ repo, dataDir, locksFile, extensions, pollMs, staleMs, groupCommit, admins, webDist, logger, keepVersions, maxUploadBytes, ...(usersFile ? { usersFile } : {}) });
  await new Promise<void>((ok, fail) => {
    app.httpServer.once('error', (err: NodeJS.ErrnoException) => {
      void app.close();
      fail(new UsageError(err.code === 'EADDRINUSE' ? `port ${port} on ${host} is already in use` : `cannot listen on ${host}:${port} (${err.code ?? err.message})`));
    });
    app.httpServer.listen(port, host, () => ok());
  });
  const addr = app.httpServer.address();
  const actualPort = typeof addr === 'object' && addr ? addr.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  if (!isLoopback(host) && !usersFile) console.warn(`WARNING: open mode on ${host}: anyone who can reach this port can check files out under any name.`);
  console.log(`PDM Live listening on http://${shownHost}:${actualPort}`);

  const stop = () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function resolveReal(repoPath: string, repoReal: string, dir: string): string {
  const rel = relative(repoPath, dir);
  return rel.startsWith('..') || resolve(rel) === rel ? dir : join(repoReal, rel);
}
