import type { IncomingHttpHeaders } from 'node:http';
import { parse as parseCookie } from 'cookie';
import { AppError } from '../errors.js';
import type { Caller } from '../files/file-commands.js';
import { userName } from '../files/command-schemas.js';
import { stampDigest, type SessionTokens } from './session-tokens.js';
import type { Accounts } from './accounts.js';

export const SESSION_COOKIE = 'pdm_session';

/** Who a request or a socket speaks for. */
export interface Identity {
  mode: 'open' | 'users';
  /** Users mode: where names and passwords are checked. */
  accounts?: Accounts;
  /** `claimed` is a `user` from a JSON body, if any. Throws 401/403 AppErrors. */
  fromHttp(headers: IncomingHttpHeaders, claimed?: string): Promise<Caller>;
  fromHandshake(auth: Record<string, unknown>, headers: IncomingHttpHeaders): Promise<Caller>;
}

/**
 * One key per client, for budgets and socket counts: the user in users mode, the address in open
 * mode (where any name can be claimed).
 */
export function clientKey(identity: Identity, user: string, address: string): string {
  return identity.mode === 'users' ? `user:${user}` : `address:${address}`;
}

/** Name used when an open-mode caller gives none (e.g. a bare `curl`). */
export const ANONYMOUS = 'anonymous';

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Open mode: the body's `user`, else the `X-PDM-User` header, else `anonymous`. Admins are the
 * names given with `--admins` (none by default), so `force` is refused unless the shop opts in.
 */
export function openIdentity(admins: readonly string[]): Identity {
  const caller = (raw: unknown): Promise<Caller> => {
    if (raw === undefined || raw === null || raw === '') return Promise.resolve({ user: ANONYMOUS, admin: admins.includes(ANONYMOUS) });
    const parsed = userName.safeParse(raw);
    if (!parsed.success) return Promise.reject(new AppError('INVALID_REQUEST', 'Invalid user name: 1 to 100 characters, no control characters.'));
    return Promise.resolve({ user: parsed.data, admin: admins.includes(parsed.data) });
  };
  return {
    mode: 'open',
    fromHttp: (headers, claimed) => caller(claimed ?? headerValue(headers['x-pdm-user'])),
    fromHandshake: (auth) => caller(auth.user),
  };
}

/** The session token a request carries: `Authorization: Bearer`, else the session cookie. */
export function tokenFrom(headers: IncomingHttpHeaders): string | undefined {
  const auth = headerValue(headers.authorization);
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const cookie = headerValue(headers.cookie);
  return cookie ? parseCookie(cookie)[SESSION_COOKIE] : undefined;
}

/**
 * Users mode (a users file, a directory or both): only a valid session names the caller; a
 * different `user` in a body is refused.
 */
export function usersIdentity(accounts: Accounts, tokens: SessionTokens): Identity {
  const fromToken = async (token: string | undefined): Promise<Caller> => {
    if (!token) throw new AppError('UNAUTHENTICATED', 'Sign in first: no session cookie or bearer token.');
    const claims = await tokens.verify(token);
    if (!claims) throw new AppError('UNAUTHENTICATED', 'The session is invalid, expired or signed out.');
    const account = await accounts.current(claims.user, { name: claims.user, role: claims.role });
    if (!account) throw new AppError('UNAUTHENTICATED', 'This user no longer exists.');
    if (claims.st !== undefined && claims.st !== stampDigest(await accounts.stamp(account.name))) {
      throw new AppError('UNAUTHENTICATED', 'The password changed since this session began (or the user was removed and added again): sign in again.');
    }
    // The role is the users file's or the directory's now, not the one from when the token was issued.
    return { user: account.name, admin: account.role === 'admin', sid: claims.sid };
  };
  const checkClaim = (caller: Caller, claimed: unknown) => {
    if (claimed !== undefined && claimed !== null && claimed !== caller.user) {
      throw new AppError('FORBIDDEN', `Signed in as ${caller.user}: you cannot act as someone else.`);
    }
    return caller;
  };
  return {
    mode: 'users',
    accounts,
    fromHttp: async (headers, claimed) => checkClaim(await fromToken(tokenFrom(headers)), claimed),
    fromHandshake: async (auth, headers) => {
      const token = typeof auth.token === 'string' ? auth.token : tokenFrom(headers);
      return checkClaim(await fromToken(token), auth.user);
    },
  };
}
