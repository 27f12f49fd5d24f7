import type { IncomingHttpHeaders } from 'node:http';
import { createHash } from 'node:crypto';
import type { Identity } from '../auth/identity.js';
import { DUMMY_HASH, verifyPassword } from '../auth/passwords.js';
import { basicCredentials, signInName } from '../auth/sign-in-limits.js';
import type { UsersDirectory } from '../auth/users-file.js';
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
export function lfsCaller(identity: Identity, users: UsersDirectory | undefined) {
  // git sends the password on every request: remember good pairs briefly instead of re-running
  // scrypt. Only verified pairs are kept, so an unknown name costs no memory.
  const verified = new Map<string, number>();
  return async (headers: IncomingHttpHeaders): Promise<Caller> => {
    const b = basicCredentials(headers.authorization);
    if (identity.mode === 'open') {
      const name = headers['x-pdm-user'] ?? b?.user;
      if (!name) throw new AppError('UNAUTHENTICATED', 'Name yourself: git config http.extraHeader "X-PDM-User: NAME", or a Basic user name.');
      return identity.fromHttp({ 'x-pdm-user': name });
    }
    if (!b) return identity.fromHttp(headers);
    const name = signInName(b.user);
    const user = name.length <= 100 ? await users!.get(name) : undefined;
    const key = createHash('sha256').update(`${name}\u0000${b.password}\u0000${user?.hash ?? ''}`).digest('hex');
    const until = verified.get(key);
    if (!user || !(until && until > Date.now())) {
      // scrypt runs for unknown names too, so a wrong name and a wrong password take the same time.
      const ok = await verifyPassword(b.password.slice(0, 1000), user?.hash ?? DUMMY_HASH);
      if (!user || !ok) throw new AppError('UNAUTHENTICATED', 'Wrong user name or password.');
      verified.delete(key);
      verified.set(key, Date.now() + VERIFIED_MS);
      if (verified.size > VERIFIED_MAX) verified.delete(verified.keys().next().value!);
    }
    return { user: user.name, admin: user.role === 'admin' };
  };
}
