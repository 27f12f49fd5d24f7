import type { IncomingHttpHeaders } from 'node:http';
import { createHash } from 'node:crypto';
import type { Identity } from '../auth/identity.js';
import { verifyPassword } from '../auth/passwords.js';
import type { UsersDirectory } from '../auth/users-file.js';
import { AppError } from '../errors.js';
import type { Caller } from '../files/file-commands.js';

function basic(headers: IncomingHttpHeaders): { user: string; password: string } | null {
  const h = headers.authorization;
  if (!h?.startsWith('Basic ')) return null;
  const text = Buffer.from(h.slice(6), 'base64').toString('utf8');
  const i = text.indexOf(':');
  return i < 0 ? { user: text, password: '' } : { user: text.slice(0, i), password: text.slice(i + 1) };
}

/**
 * Who a Git LFS request speaks for. Open mode: `X-PDM-User`, else the HTTP Basic user name.
 * Users mode: HTTP Basic with the user's password, or the bearer token. Missing: 401 (the router
 * adds `LFS-Authenticate` so git asks for credentials).
 */
export function lfsCaller(identity: Identity, users: UsersDirectory | undefined) {
  // git sends the password on every request: remember good pairs briefly instead of re-running scrypt.
  const verified = new Map<string, number>();
  // Basic auth must not become a way around the sign-in rate limit.
  const failures = new Map<string, { count: number; until: number }>();
  return async (headers: IncomingHttpHeaders): Promise<Caller> => {
    const b = basic(headers);
    if (identity.mode === 'open') {
      const name = headers['x-pdm-user'] ?? b?.user;
      if (!name) throw new AppError('UNAUTHENTICATED', 'Name yourself: git config http.extraHeader "X-PDM-User: NAME", or a Basic user name.');
      return identity.fromHttp({ 'x-pdm-user': name });
    }
    if (!b) return identity.fromHttp(headers);
    const user = await users!.get(b.user);
    const key = createHash('sha256').update(`${b.user}\u0000${b.password}\u0000${user?.hash ?? ''}`).digest('hex');
    const until = verified.get(key);
    if (!user || !(until && until > Date.now())) {
      const f = failures.get(b.user);
      if (f && f.until > Date.now() && f.count >= 5) throw new AppError('TOO_MANY_REQUESTS', 'Too many failed sign-ins: try again later.');
      if (!user || !(await verifyPassword(b.password, user.hash))) {
        failures.set(b.user, { count: (f && f.until > Date.now() ? f.count : 0) + 1, until: Date.now() + 15 * 60_000 });
        throw new AppError('UNAUTHENTICATED', 'Wrong user name or password.');
      }
      verified.set(key, Date.now() + 5 * 60_000);
    }
    return { user: user.name, admin: user.role === 'admin' };
  };
}
