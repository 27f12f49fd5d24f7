import { readTextFileSync } from '../storage/text-files.js';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULTS, parseExtensions } from '../config.js';

/** A start-up problem: printed as one line on stderr, exit 1. */
export class UsageError extends Error {}

type Kind = 'string' | 'path' | 'int' | 'bool' | 'list';

interface OptionSpec {
  kind: Kind;
  /** Environment variable, if any. */
  env?: string;
  /** `--flag <arg>`'s argument name in `--help`. */
  arg?: string;
  help: string;
  /** Shown in `--help` and the README's table (server/config.ts DEFAULTS holds the app's values). */
  shownDefault?: string;
  /** The value when nothing sets it, for the settings only the CLI uses (where to listen, logging). */
  default?: string | number;
  min?: number;
  max?: number;
  /** A flag that exists for tests and benchmarks only: not listed in `--help`. */
  hidden?: boolean;
}

/**
 * Every option of `pdm-live serve`, with its flag (`--KEY`), env variable and default: the one
 * place each is defined. The `--config` file takes the same keys. Paths in the file are relative
 * to its folder; on the command line and in env, to the working directory.
 */
export const SERVE_OPTIONS = {
  repo: { kind: 'path', env: 'PDM_REPO', arg: 'dir', help: 'the vault (the default one is created with sample files when missing)', shownDefault: './vault' },
  data: { kind: 'path', env: 'PDM_DATA', arg: 'dir', help: 'data folder: locks.json, activity log, versions', shownDefault: '<repo>/.pdm' },
  locks: { kind: 'path', env: 'PDM_LOCKS', arg: 'file', help: 'locks.json', shownDefault: '<data>/locks.json' },
  keys: { kind: 'path', env: 'PDM_KEYS', arg: 'dir', help: 'secrets (the session signing key), readable by the server only; never inside the vault', shownDefault: '%ProgramData%\\pdm-live on Windows, else $XDG_STATE_HOME/pdm-live' },
  port: { kind: 'int', env: 'PORT', arg: 'n', help: 'port; 0 picks a free one', default: 8000, shownDefault: '8000', min: 0, max: 65535 },
  host: { kind: 'string', env: 'HOST', arg: 'h', help: 'address to listen on', default: '127.0.0.1', shownDefault: '127.0.0.1' },
  extensions: { kind: 'list', env: 'PDM_EXTENSIONS', arg: 'list', help: 'tracked extensions', shownDefault: DEFAULTS.extensions.join(',') },
  poll: { kind: 'int', env: 'PDM_POLL', arg: 'ms', help: 'poll the disk every so many ms instead of inotify (network shares)', shownDefault: 'off', min: 50, max: 3_600_000 },
  stale: { kind: 'int', env: 'PDM_STALE_MS', arg: 'ms', help: 'ms after which a dead server\'s lock on locks.json is taken over (30000+ on NFS/SMB)', shownDefault: String(DEFAULTS.staleMs), min: 2000, max: 600_000 },
  admins: { kind: 'list', env: 'PDM_ADMINS', arg: 'names', help: 'open mode: names allowed to force a release', shownDefault: 'none' },
  approvers: { kind: 'list', env: 'PDM_APPROVERS', arg: 'names', help: 'who may release and retire files (release states) besides admins', shownDefault: 'admins only' },
  open: { kind: 'bool', env: 'PDM_OPEN', help: 'allow open mode on a non-loopback address or behind a reverse proxy', shownDefault: 'false' },
  users: { kind: 'path', env: 'PDM_USERS', arg: 'file', help: 'users mode: sign-in required, users from this file', shownDefault: 'none (open mode)' },
  'keep-versions': { kind: 'int', env: 'PDM_KEEP_VERSIONS', arg: 'n', help: 'versions kept per file', shownDefault: String(DEFAULTS.keepVersions), min: 1, max: 100_000 },
  'max-upload': { kind: 'int', env: 'PDM_MAX_UPLOAD', arg: 'bytes', help: 'largest upload of a new version', shownDefault: '2147483648 (2 GiB)', min: 1, max: Number.MAX_SAFE_INTEGER },
  'ldap-url': { kind: 'string', env: 'PDM_LDAP_URL', arg: 'url', help: 'users mode: sign in with the directory at ldap://host or ldaps://host (after --users when both are given)', shownDefault: 'none' },
  'ldap-user-dn': { kind: 'string', env: 'PDM_LDAP_USER_DN', arg: 'dn', help: 'direct bind as this DN, e.g. uid={user},ou=people,dc=shop,dc=local', shownDefault: 'none' },
  'ldap-bind-dn': { kind: 'string', env: 'PDM_LDAP_BIND_DN', arg: 'dn', help: 'search mode: the service account that looks users up', shownDefault: 'none' },
  'ldap-bind-password-file': { kind: 'path', env: 'PDM_LDAP_BIND_PASSWORD_FILE', arg: 'file', help: 'the service account\'s password (first line of the file)', shownDefault: 'none' },
  'ldap-base': { kind: 'string', env: 'PDM_LDAP_BASE', arg: 'dn', help: 'search mode: where users are searched', shownDefault: 'none' },
  'ldap-filter': { kind: 'string', env: 'PDM_LDAP_FILTER', arg: 'filter', help: 'search mode: how a user is found, e.g. (sAMAccountName={user})', shownDefault: 'none' },
  'ldap-admin-group': { kind: 'string', env: 'PDM_LDAP_ADMIN_GROUP', arg: 'dn', help: 'members of this group (its member, or the user\'s memberOf) are admins', shownDefault: 'none (no directory admins)' },
  'ldap-approver-group': { kind: 'string', env: 'PDM_LDAP_APPROVER_GROUP', arg: 'dn', help: 'members of this group may release and retire files (release states), as admins may', shownDefault: 'none' },
  'ldap-name-attribute': { kind: 'string', env: 'PDM_LDAP_NAME_ATTRIBUTE', arg: 'attr', help: 'the attribute whose spelling names the user', shownDefault: 'the one {user} is matched against, else uid' },
  'ldap-ca': { kind: 'path', env: 'PDM_LDAP_CA', arg: 'file', help: 'PEM CA certificate(s) ldaps:// trusts besides the system\'s', shownDefault: 'none' },
  'ldap-label': { kind: 'string', env: 'PDM_LDAP_LABEL', arg: 'text', help: 'what the sign-in form says it signs in to, e.g. "SHOP domain"', shownDefault: 'the directory\'s host name' },
  'ldap-recheck': { kind: 'int', env: 'PDM_LDAP_RECHECK', arg: 's', help: 'seconds a directory user\'s existence and admin role are trusted before they are read again', shownDefault: '300', min: 1, max: 86_400 },
  'ldap-timeout': { kind: 'int', env: 'PDM_LDAP_TIMEOUT', arg: 'ms', help: 'connect and request timeout for the directory', shownDefault: '5000', min: 100, max: 120_000 },
  'share-path': { kind: 'string', env: 'PDM_SHARE_PATH', arg: 'prefix', help: 'the vault\'s folder as people open it, for Copy path (e.g. \\\\cam-server\\programs)', shownDefault: 'the vault\'s folder' },
  protect: { kind: 'bool', env: 'PDM_PROTECT', help: 'tracked files are read-only on disk unless checked out', shownDefault: 'false' },
  'tls-cert': { kind: 'path', env: 'PDM_TLS_CERT', arg: 'file', help: 'serve HTTPS and WSS with this PEM certificate (with --tls-key)', shownDefault: 'none' },
  'tls-key': { kind: 'path', env: 'PDM_TLS_KEY', arg: 'file', help: 'the PEM private key of --tls-cert', shownDefault: 'none' },
  'metrics-token': { kind: 'string', env: 'PDM_METRICS_TOKEN', arg: 'token', help: 'users mode: bearer token for GET /metrics', shownDefault: 'any session' },
  'allowed-hosts': { kind: 'list', env: 'PDM_ALLOWED_HOSTS', arg: 'names', help: 'open mode: host names the server answers to besides addresses, localhost and this machine\'s name', shownDefault: 'none' },
  'allowed-origins': { kind: 'list', env: 'PDM_ALLOWED_ORIGINS', arg: 'origins', help: 'browser origins allowed besides the server\'s own, e.g. https://portal.shop.local', shownDefault: 'none' },
  'trust-proxy': { kind: 'string', env: 'PDM_TRUST_PROXY', arg: 'proxies', help: 'reverse proxies whose X-Forwarded-For/-Proto are believed: a hop count, or addresses and CIDR ranges (loopback, 10.0.0.0/8, …), comma-separated', shownDefault: 'none' },
  'max-sockets-per-client': { kind: 'int', env: 'PDM_MAX_SOCKETS_PER_CLIENT', arg: 'n', help: 'live connections at once per user (users mode) or address (open mode)', shownDefault: String(DEFAULTS.socketLimits.perClient), min: 1, max: 1_000_000 },
  'max-connections-per-address': { kind: 'int', env: 'PDM_MAX_CONNECTIONS_PER_ADDRESS', arg: 'n', help: 'connections one address may hold open at once, before and after signing in (a --trust-proxy peer is not counted)', shownDefault: String(DEFAULTS.connectionsPerAddress), min: 1, max: 10_000_000 },
  'client-budget': { kind: 'int', env: 'PDM_CLIENT_BUDGET', arg: 'n', help: 'files a user (users mode) or address (open mode) may check out, in or wait for per second, 50 times that at once; 0: no limit', shownDefault: String(DEFAULTS.commandBudget?.perSecond ?? 0), min: 0, max: 1_000_000 },
  webhook: { kind: 'list', env: 'PDM_WEBHOOK', arg: 'urls', help: 'POST every activity entry to these URLs (comma-separated), in order, retried for 24 h', shownDefault: 'none' },
  'webhook-secret': { kind: 'string', env: 'PDM_WEBHOOK_SECRET', arg: 'secret', help: 'sign webhook bodies: X-PDM-Signature: sha256=<HMAC>', shownDefault: 'none (unsigned)' },
  cluster: { kind: 'string', env: 'PDM_CLUSTER', arg: 'url', help: 'several nodes on one data folder: tell each other of every change through Redis 7 (redis://host:port)', shownDefault: 'none (the share alone)' },
  push: { kind: 'bool', env: 'PDM_PUSH', help: 'Web Push: notify people with every tab closed (VAPID keys made in --keys)', shownDefault: 'false' },
  'smtp-url': { kind: 'string', env: 'PDM_SMTP_URL', arg: 'url', help: 'mail personal notices and reminders: smtp://host:port (STARTTLS when offered) or smtps://host:port, user:password@ allowed', shownDefault: 'none (no mail)' },
  'mail-from': { kind: 'string', env: 'PDM_MAIL_FROM', arg: 'address', help: 'the From of notification mails (with --smtp-url)', shownDefault: 'pdm-live@<this machine>' },
  'remind-after': { kind: 'string', env: 'PDM_REMIND_AFTER', arg: 'time', help: 'remind a holder once a day of a check-out held longer than this (90m, 12h, 3d)', shownDefault: '3d' },
  'public-url': { kind: 'string', env: 'PDM_PUBLIC_URL', arg: 'url', help: 'the page\'s address as people open it, for links in mails and pushes', shownDefault: 'http(s)://<this machine>:<port>' },
  'log-level': { kind: 'string', env: 'PDM_LOG_LEVEL', arg: 'level', help: 'fatal, error, warn, info, debug, trace or silent', default: 'info', shownDefault: 'info' },
  web: { kind: 'bool', env: 'PDM_WEB', help: 'serve the page at / (--no-web: the API only)', shownDefault: 'true' },
  // Benchmarks and torture tests only.
  'group-commit': { kind: 'bool', env: 'PDM_GROUP_COMMIT', help: 'false: one lock hold per mutation (a benchmark baseline)', hidden: true },
  'debug-fold-names': { kind: 'bool', env: 'PDM_DEBUG_FOLD_NAMES', help: 'take every vault as one that does not tell case or Unicode form apart (measures the name look-up on ext4)', hidden: true },
  'debug-hold-ms': { kind: 'int', env: 'PDM_DEBUG_HOLD_MS', help: 'keep the lock this long per commit (freezes a holder on purpose)', hidden: true, min: 0, max: 600_000 },
} as const satisfies Record<string, OptionSpec>;

export type ServeKey = keyof typeof SERVE_OPTIONS;
type ValueOf<K extends Kind> = K extends 'int' ? number : K extends 'bool' ? boolean : K extends 'list' ? string[] : string;
/** What flags, env and the config file said, each key at most once (flag > env > file). */
export type ServeSettings = { -readonly [K in ServeKey]?: ValueOf<(typeof SERVE_OPTIONS)[K]['kind']> };
/** Settings with a `default` in SERVE_OPTIONS: always present once resolved. */
type DefaultedKey = { [K in ServeKey]: (typeof SERVE_OPTIONS)[K] extends { default: unknown } ? K : never }[ServeKey];
/** Resolved settings: what was set, and the CLI's own defaults (the app's are applied by createApp). */
export type ResolvedSettings = ServeSettings & { -readonly [K in DefaultedKey]-?: ValueOf<(typeof SERVE_OPTIONS)[K]['kind']> };

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** One option's value from a string (flag or env) or from JSON (the config file). */
function schemaFor(key: ServeKey, spec: OptionSpec, fromText: boolean): z.ZodType {
  switch (spec.kind) {
    case 'int': {
      const n = z.number().int().min(spec.min ?? 0).max(spec.max ?? Number.MAX_SAFE_INTEGER);
      const text = z.string().regex(/^\d+$/, 'expected a whole number').transform(Number).pipe(n);
      return fromText ? text : z.union([n, text]);
    }
    case 'bool': {
      const text = z.enum(['1', '0', 'true', 'false', 'on', 'off', 'yes', 'no']).transform((v) => ['1', 'true', 'on', 'yes'].includes(v));
      return fromText ? text : z.union([z.boolean(), text]);
    }
    case 'list': {
      const text = z.string().transform((s) => s.split(',').map((e) => e.trim()).filter(Boolean));
      return fromText ? text : z.union([z.array(z.string().max(1000)).max(1000), text]);
    }
    default: {
      const s = z.string().min(1).max(4096);
      return key === 'log-level' ? s.refine((v) => LOG_LEVELS.includes(v), `expected one of ${LOG_LEVELS.join(', ')}`) : s;
    }
  }
}

function describe(issue: z.core.$ZodIssue | undefined): string {
  return issue?.message ?? 'invalid value';
}

function parseOne(key: ServeKey, raw: unknown, where: string, fromText: boolean): unknown {
  const r = schemaFor(key, SERVE_OPTIONS[key], fromText).safeParse(raw);
  if (!r.success) throw new UsageError(`invalid ${where} ${(JSON.stringify(raw) as string | undefined)?.slice(0, 80)}: ${describe(r.error.issues[0])}`);
  return r.data;
}

/** The `--config` file: a JSON object of known keys; relative paths resolved against its folder. */
export function readConfigFile(file: string): ServeSettings {
  let text: string;
  try {
    text = readTextFileSync(file);
  } catch (err) {
    throw new UsageError(`cannot read the config file ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`the config file ${file} is not valid JSON (${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new UsageError(`the config file ${file} must hold a JSON object`);
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(json)) {
    if (!Object.hasOwn(SERVE_OPTIONS, key)) throw new UsageError(`the config file ${file}: unknown key "${key}"`);
    const k = key as ServeKey;
    let value = parseOne(k, raw, `key "${key}" in the config file ${file}:`, false);
    if (SERVE_OPTIONS[k].kind === 'path') value = resolve(dirname(resolve(file)), value as string);
    out[key] = value;
  }
  return out;
}

/**
 * Flags beat env, env beats the config file; what none of them gives is left out, but for the
 * options with a `default` (createApp applies the app's). `flags` are commander's, keyed by
 * option name in camelCase.
 */
export function resolveSettings(flags: Record<string, unknown>, env: Record<string, string | undefined>, file: ServeSettings): ResolvedSettings {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(SERVE_OPTIONS) as ServeKey[]) {
    const spec: OptionSpec = SERVE_OPTIONS[key];
    const flag = flags[key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())];
    let value: unknown;
    if (flag !== undefined) {
      value = typeof flag === 'string' ? parseOne(key, flag, `--${key}`, true) : flag;
      if (spec.kind === 'path') value = resolve(value as string);
    } else if (spec.env && env[spec.env] !== undefined && env[spec.env] !== '') {
      value = parseOne(key, env[spec.env], spec.env, true);
      if (spec.kind === 'path') value = resolve(value as string);
    } else if (file[key] !== undefined) {
      value = file[key];
    }
    if (value !== undefined) out[key] = value;
    else if (spec.default !== undefined) out[key] = spec.default;
  }
  if (out.extensions !== undefined) {
    try {
      out.extensions = parseExtensions((out.extensions as string[]).join(','));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  return out as ResolvedSettings;
}

/** The flag table of the README, as `--help` lists the same options (a test keeps them in step). */
export function flagTable(): string {
  const rows = (Object.entries(SERVE_OPTIONS) as Array<[ServeKey, OptionSpec]>)
    .filter(([, s]) => !s.hidden)
    .map(([k, s]) => `| \`${k === 'web' ? '--no-web' : `--${k}`}${s.arg ? ` <${s.arg}>` : ''}\` | ${s.env ? `\`${s.env}\`` : ''} | \`${s.shownDefault ?? ''}\` | ${s.help} |`);
  return ['| flag | env | default | what |', '|---|---|---|---|', ...rows].join('\n');
}

export type { OptionSpec };
