import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import type { RequestHandler } from 'express';
import { AppError } from '../errors.js';
import { ProxyTrust, type TrustProxy } from './proxy-trust.js';

/** What a request's `Host` and `Origin` may say. */
export interface OriginPolicy {
  /**
   * Refuse a `Host` that is not an address, `localhost` or this machine's name (or listed in
   * `allowedHosts`): a DNS-rebound page (`evil.example` resolving to 127.0.0.1) is same-origin
   * to its own name, so only the Host tells it apart. On in open mode, where nothing else stops it.
   */
  checkHost: boolean;
  allowedHosts: readonly string[];
  /** Origins a browser may come from besides the server's own (a dev server, a portal page). */
  allowedOrigins: readonly string[];
  /**
   * Open mode behind a reverse proxy: every request comes from the proxy's address, so anyone who
   * reaches the proxy can name themselves (an admin too). Refused unless the operator said
   * `--open`, the same word that lets open mode listen beyond loopback.
   */
  refuseProxied?: boolean;
  /** `--trust-proxy`: whose forwarded scheme and address are believed. */
  proxies?: ProxyTrust;
}

/**
 * The policy for this server: the Host check and the proxy refusal are open mode's (users mode
 * has sign-in to stop a rebound or proxied page).
 */
export function originPolicyFor(mode: 'open' | 'users', o: { open?: boolean | undefined; trustProxy?: TrustProxy | undefined; allowedHosts?: string[] | undefined; allowedOrigins?: string[] | undefined }): OriginPolicy {
  return { checkHost: mode === 'open', refuseProxied: mode === 'open' && o.open !== true, proxies: new ProxyTrust(o.trustProxy), allowedHosts: o.allowedHosts ?? [], allowedOrigins: o.allowedOrigins ?? [] };
}

const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip', 'x-forwarded-host'];

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function hostPart(host: string): string {
  const h = host.toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
  const colon = h.lastIndexOf(':');
  return colon > 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

function hostAllowed(name: string, policy: OriginPolicy): boolean {
  if (isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost')) return true;
  // Exact names only: `<machine>.<any domain>` is a name anyone can point at 127.0.0.1.
  const me = hostname().toLowerCase();
  if (name === me || name === me.split('.')[0]) return true;
  return policy.allowedHosts.some((h) => h.toLowerCase() === name);
}

/**
 * Why a request is refused, or null. `Origin` is checked for requests that change something and
 * for Socket.IO (a WebSocket has no CORS: any page could open one and read the snapshot, and the
 * session cookie, SameSite or not, goes along from another port of the same host).
 */
export function originProblem(headers: IncomingHttpHeaders, method: string, policy: OriginPolicy, socket = false, scheme: 'http' | 'https' = 'http'): string | null {
  const host = headers.host;
  if (policy.refuseProxied && PROXY_HEADERS.some((h) => headers[h] !== undefined)) {
    return 'This server is in open mode (anyone names themselves) and the request came through a proxy: use users mode (--users or --ldap-url) behind a proxy, or start it with --open to allow this.';
  }
  if (policy.checkHost && typeof host === 'string' && !hostAllowed(hostPart(host), policy)) {
    return `Host "${host.slice(0, 100)}" is not this server's (add it with --allowed-hosts).`;
  }
  const origin = headers.origin;
  if (origin === undefined || (!socket && SAFE_METHODS.has(method))) return null;
  if (policy.allowedOrigins.includes(origin)) return null;
  let from: URL | null = null;
  try {
    from = new URL(origin);
  } catch {
    // "null" (a sandboxed frame, a file) or garbage: not the server's own origin
  }
  // Scheme, host and port: http://vm is not https://vm (a page served over plain HTTP elsewhere).
  if (from !== null && typeof host === 'string' && from.host.toLowerCase() === host.toLowerCase() && from.protocol === `${scheme}:`) return null;
  return `Cross-origin request from ${origin.slice(0, 100)} refused (allow it with --allowed-origins).`;
}

/** The HTTP side of the policy: 403 FORBIDDEN before any route runs. */
export function originGuard(policy: OriginPolicy): RequestHandler {
  return (req, _res, next) => {
    const problem = originProblem(req.headers, req.method, policy, false, req.protocol === 'https' ? 'https' : 'http');
    next(problem ? new AppError('FORBIDDEN', problem) : undefined);
  };
}
