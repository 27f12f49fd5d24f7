import { existsSync, readFileSync, statSync, accessSync, constants as fsc } from 'node:fs';
import { mkdir, realpath } from 'node:fs/promises';
import { isIP } from 'node:net';
import { homedir, hostname } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { createApp } from '../app.js';
import { secureKeysFolder } from '../auth/signing-key.js';
import { isInside } from '../vault/vault-paths.js';
import { parseTrustProxy, type TrustProxy } from '../auth/proxy-trust.js';
import type { AppSettings } from '../config.js';
import { createLogger } from '../logger.js';
import { createDemoVault } from './demo-vault.js';
import { ldapOptions } from './ldap-settings.js';
import { WEB_DIST } from '../package-files.js';
import { collectWhenGrown } from '../threads/start-worker.js';
import { readConfigFile, resolveSettings, UsageError, type ResolvedSettings } from './settings.js';
import { parseDuration } from '../../shared/durations.js';

export { UsageError };

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** Flags over env over the config file over defaults (see SERVE_OPTIONS). */
export function serveSettings(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): ResolvedSettings {
  const configFile = (flags.config as string | undefined) ?? (env.PDM_CONFIG || undefined);
  const file = configFile ? readConfigFile(configFile) : {};
  // commander gives `web: true` when --no-web is absent: only its `false` is a flag.
  const rest = Object.fromEntries(Object.entries(flags).filter(([k]) => k !== 'web' && k !== 'config'));
  const web = flags.web;
  return resolveSettings({ ...rest, ...(web === false ? { web: false } : {}) }, env, file);
}

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new UsageError(`cannot read the TLS ${what} ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** `pdm-live serve`: settings checked and turned into the app's configuration, then listen. */
export async function serve(flags: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const s = serveSettings(flags, env);
  const { port, host } = s;
  const usersFile = s.users;
  if (usersFile && !existsSync(usersFile)) {
    throw new UsageError(`the users file ${usersFile} does not exist: create it with pdm-live user add NAME --users ${usersFile}`);
  }
  const ldap = ldapOptions(s);
  if (!usersFile && !ldap && !isLoopback(host) && !s.open) {
    throw new UsageError(`refusing to listen on ${host} without authentication: use a loopback address, or pass --open to allow anyone on the network to name themselves`);
  }
  if ((s['tls-cert'] === undefined) !== (s['tls-key'] === undefined)) {
    throw new UsageError('--tls-cert and --tls-key go together: give both, or neither');
  }
  for (const url of s.webhook ?? []) {
    if (!/^https?:\/\/[^\s]+$/.test(url) || !URL.canParse(url)) throw new UsageError(`invalid --webhook "${url}": expected an http:// or https:// URL`);
  }
  const remindAfterMs = s['remind-after'] === undefined ? undefined : parseDuration(s['remind-after']);
  if (remindAfterMs === null || (remindAfterMs !== undefined && remindAfterMs < 60_000)) throw new UsageError(`invalid --remind-after "${s['remind-after']}": expected a time of at least a minute such as 90m, 12h or 3d`);
  if (s.cluster !== undefined && (!/^rediss?:\/\//.test(s.cluster) || !URL.canParse(s.cluster))) throw new UsageError(`invalid --cluster "${s.cluster}": expected redis://host:port`);
  if (s['smtp-url'] !== undefined && (!/^smtps?:\/\//.test(s['smtp-url']) || !URL.canParse(s['smtp-url']))) throw new UsageError(`invalid --smtp-url: expected smtp://host:port or smtps://host:port`);
  if (s['public-url'] !== undefined && (!/^https?:\/\//.test(s['public-url']) || !URL.canParse(s['public-url']))) throw new UsageError(`invalid --public-url "${s['public-url']}": expected an http:// or https:// URL`);
  const tls = s['tls-cert'] && s['tls-key'] ? { cert: readPem(s['tls-cert'], 'certificate'), key: readPem(s['tls-key'], 'key') } : undefined;

  const repoPath = s.repo ?? resolve('vault');
  if (s.repo === undefined && !existsSync(repoPath)) {
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
  // Inside the vault, keep the data folder on the vault's real path so "never listed" holds.
  const dataDir = s.data ? resolveReal(repoPath, repo, s.data) : join(repo, '.pdm');
  const locksFile = s.locks ?? join(dataDir, 'locks.json');
  try {
    await mkdir(dataDir, { recursive: true });
    await mkdir(dirname(locksFile), { recursive: true });
  } catch (err) {
    throw new UsageError(`cannot create the data folder ${dataDir} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }

  if (usersFile && isInside(repo, await realpath(usersFile))) {
    throw new UsageError(`the users file ${usersFile} is inside the vault, where everyone who can read the share can read it: keep it outside (e.g. in --keys)`);
  }
  let trustProxy: TrustProxy | undefined;
  try {
    trustProxy = s['trust-proxy'] === undefined ? undefined : parseTrustProxy(s['trust-proxy']);
  } catch (err) {
    throw new UsageError(`invalid --trust-proxy "${s['trust-proxy']}": ${(err as Error).message}`);
  }
  const keysDir = s.keys ?? defaultKeysDir(env);
  if (isInside(repo, resolveReal(repoPath, repo, keysDir))) throw new UsageError(`--keys ${keysDir} is inside the vault: secrets must stay off the share`);
  try {
    await secureKeysFolder(keysDir);
  } catch (err) {
    throw new UsageError(`cannot make the keys folder ${keysDir} private (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }

  let webDist: string | null = null;
  if (s.web !== false) {
    if (existsSync(join(WEB_DIST, 'index.html'))) webDist = WEB_DIST;
    else console.warn(`The page is not built (${WEB_DIST} is missing): serving the API only. Run npm run build.`);
  }
  const logger = createLogger(s['log-level']);
  // What was set, as the app's settings; createApp applies the defaults (server/config.ts).
  const config: AppSettings = {
    repo,
    dataDir,
    locksFile,
    keysDir,
    extensions: s.extensions,
    pollMs: s.poll,
    staleMs: s.stale,
    groupCommit: s['group-commit'],
    debugHoldMs: s['debug-hold-ms'],
    ...(s['debug-fold-names'] ? { nameRules: { caseInsensitive: true, formInsensitive: true } } : {}),
    admins: s.admins,
    approvers: s.approvers,
    webhooks: s.webhook,
    webhookSecret: s['webhook-secret'],
    cluster: s.cluster,
    push: s.push,
    mail: s['smtp-url'] ? { smtpUrl: s['smtp-url'], from: s['mail-from'] ?? `pdm-live@${hostname()}` } : undefined,
    remindAfterMs,
    publicUrl: s['public-url'],
    webDist,
    keepVersions: s['keep-versions'],
    maxUploadBytes: s['max-upload'],
    usersFile,
    ldap,
    tls,
    metricsToken: s['metrics-token'],
    protect: s.protect,
    open: s.open,
    trustProxy,
    sharePath: s['share-path'],
    allowedHosts: s['allowed-hosts'],
    allowedOrigins: s['allowed-origins'],
    ...(s['max-sockets-per-client'] ? { socketLimits: { perClient: s['max-sockets-per-client'] } } : {}),
    connectionsPerAddress: s['max-connections-per-address'],
    ...(s['client-budget'] !== undefined ? { commandBudget: s['client-budget'] === 0 ? null : { perSecond: s['client-budget'], burst: 50 * s['client-budget'] } } : {}),
  };
  const app = await createApp({ ...config, logger });
  // The process is ours here (not in tests that build the app in their own): see collectWhenGrown.
  collectWhenGrown();
  await new Promise<void>((ok, fail) => {
    app.httpServer.once('error', (err: NodeJS.ErrnoException) => {
      void app.close();
      fail(new UsageError(err.code === 'EADDRINUSE' ? `port ${port} on ${host} is already in use: choose another with --port N (or PORT=N)` : `cannot listen on ${host}:${port} (${err.code ?? err.message})`));
    });
    app.httpServer.listen(port, host, () => ok());
  });
  const addr = app.httpServer.address();
  const actualPort = typeof addr === 'object' && addr ? addr.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  if (!isLoopback(host) && !usersFile && !ldap) console.warn(`WARNING: open mode on ${host}: anyone who can reach this port can check files out under any name.`);
  console.log(`PDM Live listening on ${tls ? 'https' : 'http'}://${shownHost}:${actualPort}`);

  const stop = () => {
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'stopping failed');
        process.exit(1);
      },
    );
  };
  // Windows delivers no SIGTERM: a service manager's stop (WinSW) and Ctrl+C arrive as SIGINT,
  // Ctrl+Break as SIGBREAK, a closed console window as SIGHUP.
  for (const signal of STOP_SIGNALS) process.once(signal, stop);
  // Anything thrown where nobody catches it leaves state we cannot vouch for: log it and exit
  // non-zero so the service manager starts a fresh process.
  process.once('uncaughtException', (err) => crashed(logger, err));
  process.once('unhandledRejection', (err) => crashed(logger, err));
}

/** The signals that stop the server as SIGTERM does on Linux. */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = process.platform === 'win32' ? ['SIGINT', 'SIGTERM', 'SIGBREAK', 'SIGHUP'] : ['SIGINT', 'SIGTERM'];

function crashed(logger: { fatal: (o: object, msg: string) => void }, err: unknown): void {
  logger.fatal({ err }, 'unexpected error: stopping so the service manager restarts the server');
  console.error(`PDM Live stopped on an unexpected error: ${(err as Error | null)?.message ?? String(err)}`);
  process.exit(70);
}

function resolveReal(repoPath: string, repoReal: string, dir: string): string {
  const rel = relative(repoPath, dir);
  return rel.startsWith('..') || resolve(rel) === rel ? dir : join(repoReal, rel);
}

/** Where secrets live unless `--keys` says: a folder of the service's own, off the share. */
export function defaultKeysDir(env: NodeJS.ProcessEnv): string {
  if (process.platform === 'win32') return join(env.ProgramData ?? 'C:\\ProgramData', 'pdm-live');
  return join(env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'pdm-live');
}
