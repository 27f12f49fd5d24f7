import type { IncomingHttpHeaders } from 'node:http';
import { createHash } from 'node:crypto';
import type { Identity } from '../auth/identity.js';
import type { Account } from '../auth/accounts.js';
import { basicCredentials, signInName } from '../auth/sign-in-limits.js';
import { AppError } from '../errors.js';
import type { Caller } from '../files/file-commands.js';

/** Good pairs remembered at most this long, and at most this many (oldest dropped). */
const VERIFIED_MS = 5 * 60_000;
const VERIFIED_MAX = 1000;

/**
 * Who a Git LFS request speaks for. Open mode: `X-PDM-User`, else the HTTP Basic user name.
 * Users mode: HTTP Basic with the user's password, or the bearer token. Missing: 401 (the router
 * adds `LFS-Authenticate` so git asks for credentials). The sign-in limits run before this (the
 * router's), so failures here are counted with `POST /api/session`'s.
 */
export function lfsCaller(identity: Identity) {
  // git sends the password on every request: remember good pairs briefly instead of re-running
  // scrypt. Only verified pairs are kept, so an unknown name costs no memory.
  const verified = new Map<string, { at: number; account: Account }>();
  return async (headers: IncomingHttpHeaders): Promise<Caller> => {
    const b = basicCredentials(headers.authorization);
    if (identity.mode === 'open') {
      const name = headers['x-pdm-user'] ?? b?.user;
      if (!name) throw new AppError('UNAUTHENTICATED', 'Name yourself: git config http.extraHeader "X-PDM-User: NAME", or a Basic user name.');
      return identity.fromHttp({ 'x-pdm-user': name });
    }
    if (!b) return identity.fromHttp(headers);
    const accounts = identity.accounts!;
    const name = signInName(b.user);
    if (name.length > 100 || !b.password) throw new AppError('UNAUTHENTICATED', 'Wrong user name or password.');
    const key = createHash('sha256').update(`${name}\u0000${b.password}\u0000${await accounts.stamp(name)}`).digest('hex');
    const until = verified.get(key);
    let account: Account | null;
    if (until && until.at > Date.now()) {
      // Still there, with the role it has now (the users file's, or the directory's re-check).
      account = await accounts.current(until.account.name, until.account);
    } else {
      account = await accounts.signIn(name, b.password.slice(0, 1000));
      if (account) {
        verified.delete(key);
        verified.set(key, { at: Date.now() + VERIFIED_MS, account });
        if (verified.size > VERIFIED_MAX) verified.delete(verified.keys().next().value!);
      }
    }
    if (!account) throw new AppError('UNAUTHENTICATED', 'Wrong user name or password.');
    return { user: account.name, admin: account.role === 'admin' };
  };
}
