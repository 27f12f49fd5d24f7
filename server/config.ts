import { DEFAULT_EXTENSIONS } from '../shared/file-names.js';
import { DEFAULT_STALE_MS } from './storage/file-lock.js';
import type { MailSettings } from './notify/mail-outbox.js';
import type { LdapOptions } from './auth/ldap-directory.js';
import type { NameRules } from './vault/name-rules.js';
import type { TrustProxy } from './auth/proxy-trust.js';
import { DEFAULT_SOCKET_LIMITS, type SocketLimits } from './realtime/socket-budgets.js';
import { DEFAULT_COMMAND_BUDGET, type CommandBudgetLimits } from './files/command-budgets.js';
import { MAX_CONNECTIONS_PER_ADDRESS } from './http/connection-limits.js';
import { DEFAULT_SIGN_IN_LIMITS, type SignInLimits } from './auth/sign-in-limits.js';

/** Everything createApp needs; main/CLI fills it from flags and env. */
export interface AppConfig {
  /** The vault (absolute). */
  repo: string;
  /** Data folder (absolute): activity log, journal copy of locks.json. */
  dataDir: string;
  /** locks.json (absolute). */
  locksFile: string;
  /** Secrets (the session signing key): a folder of the server's own, never on the share. */
  keysDir: string;
  extensions: string[];
  /** > 0: poll instead of inotify, every `pollMs` (network shares). */
  pollMs: number;
  /** proper-lockfile stale period in ms. */
  staleMs: number;
  /** false: one lock hold per mutation (benchmark baseline). */
  groupCommit: boolean;
  /** Open-mode admins (may `force`). */
  admins: string[];
  /** Who may release and retire files besides admins (`--approvers`). */
  approvers: string[];
  /** `--webhook`: where every activity entry is POSTed. */
  webhooks: string[];
  /** `--webhook-secret`: the HMAC key of X-PDM-Signature. */
  webhookSecret: string | null;
  /** `--cluster redis://HOST:PORT`: nodes of this data folder tell each other of changes through Redis. */
  cluster?: string;
  /** `--push`: Web Push (VAPID keys in keysDir). */
  push: boolean;
  /** `--smtp-url`, `--mail-from`; null: no mail. */
  mail: MailSettings | null;
  /** `--remind-after`: a hold longer than this reminds its holder once a day. */
  remindAfterMs: number;
  /** `--public-url`: the page as people open it, for links (default: this machine's name and port). */
  publicUrl?: string;
  /** JSON body limit, as body-parser reads it. */
  bodyLimit: string;
  /** Built web app to serve at `/`, or null for none. */
  webDist: string | null;
  /** How long a vault file must stay unchanged before it is reported (large copies). */
  settleMs: number;
  /** Versions kept per file (oldest dropped). */
  keepVersions: number;
  /** Largest upload accepted by PUT .../content. */
  maxUploadBytes: number;
  /** Users mode: the users file (absent, with no `ldap` either = open mode). */
  usersFile?: string;
  /** Users mode: sign-in with the shop's directory (after the users file, when both are given). */
  ldap?: LdapOptions;
  /** HTTPS and WSS with this PEM certificate and key (absent: plain HTTP). */
  tls?: { cert: Buffer; key: Buffer };
  /** Users mode: the bearer token `GET /metrics` takes (absent: any session). */
  metricsToken?: string;
  /** Open mode: names besides addresses, localhost and this machine's that `Host` may carry. */
  allowedHosts?: string[];
  /** Browser origins allowed besides the server's own. */
  allowedOrigins?: string[];
  /** Sockets per client and the send buffer a socket may fill. */
  socketLimits: SocketLimits;
  /** `--share-path`: the vault's folder as people open it (default: the vault's own path). */
  sharePath?: string;
  /** `--trust-proxy`: reverse proxies whose X-Forwarded-For and -Proto are believed. */
  trustProxy?: TrustProxy;
  /** `--open`: open mode on purpose, also beyond loopback and behind a proxy. */
  open?: boolean;
  /** `--protect`: tracked files are read-only on disk unless checked out. */
  protect?: boolean;
  /** Test-only: push services besides the browsers' own (a local one, `http://127.0.0.1:PORT`). */
  pushServices?: string[];
  /** Test-only: the clock reminders and the mail minute go by. */
  notifyClock?: () => number;
  /** Test-only: a shorter "one mail per person a minute". */
  mailEveryMs?: number;
  /** Test-only: keep the lock on locks.json this long per commit, to freeze a holder on purpose. */
  debugHoldMs?: number;
  /** How the vault compares names (tests inject a case-insensitive one); found by trying when absent. */
  nameRules?: NameRules;
  /** Connections one address may hold at once. */
  connectionsPerAddress: number;
  /** Files each client may change at once and per second (null: no limit). */
  commandBudget: CommandBudgetLimits | null;
  /** Failed sign-ins allowed per user and per address per window (tests shorten it). */
  signInLimits: SignInLimits;
}

/**
 * The defaults of every setting that has one: the one place they are written. `pdm-live serve`'s
 * option table shows them (server/cli/settings.ts) and leaves out what nobody set; `createApp`
 * applies them, once.
 */
export const DEFAULTS = {
  extensions: DEFAULT_EXTENSIONS,
  pollMs: 0,
  staleMs: DEFAULT_STALE_MS,
  groupCommit: true,
  admins: [] as string[],
  approvers: [] as string[],
  webhooks: [] as string[],
  webhookSecret: null as string | null,
  push: false,
  mail: null as MailSettings | null,
  remindAfterMs: 3 * 86_400_000,
  bodyLimit: '64kb',
  webDist: null,
  settleMs: 400,
  keepVersions: 50,
  maxUploadBytes: 2 * 1024 ** 3,
  socketLimits: DEFAULT_SOCKET_LIMITS,
  connectionsPerAddress: MAX_CONNECTIONS_PER_ADDRESS,
  commandBudget: DEFAULT_COMMAND_BUDGET as CommandBudgetLimits | null,
  signInLimits: DEFAULT_SIGN_IN_LIMITS,
} satisfies Partial<AppConfig>;

/** Settings createApp has no default for. */
export type RequiredSettings = Pick<AppConfig, 'repo' | 'dataDir' | 'locksFile' | 'keysDir'>;

/** What createApp is given: the required settings, and any others (the rest are DEFAULTS). */
export type AppSettings = RequiredSettings & Partial<Omit<AppConfig, 'socketLimits'>> & { socketLimits?: Partial<SocketLimits> };

/** The whole configuration: `settings` over DEFAULTS (a partial socketLimits over the default limits). */
export function withDefaults(settings: AppSettings): AppConfig {
  const defined = Object.fromEntries(Object.entries(settings as Record<string, unknown>).filter(([, v]) => v !== undefined)) as AppSettings;
  return { ...DEFAULTS, ...defined, socketLimits: { ...DEFAULTS.socketLimits, ...defined.socketLimits } };
}

/** Normalises `.mcam,VNC` to `['.mcam', '.vnc']`. */
export function parseExtensions(list: string): string[] {
  const exts = list
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean)
    .map((e) => (e.startsWith('.') ? e : `.${e}`));
  if (exts.length === 0 || exts.some((e) => !/^\.[a-z0-9_-]{1,16}$/.test(e))) {
    throw new Error(`invalid --extensions "${list}": expected a comma-separated list such as .mcam,.vnc`);
  }
  return exts;
}
