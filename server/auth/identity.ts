import type { IncomingHttpHeaders } from 'node:http';
import { AppError } from '../errors.js';
import type { Caller } from '../files/file-commands.js';
import { userName } from '../files/command-schemas.js';

/** Who a request or a socket speaks for. Open mode: callers name themselves. */
export interface Identity {
  /** `claimed` is a `user` from a JSON body, if any. */
  fromHttp(headers: IncomingHttpHeaders, claimed: string | undefined): Caller;
  fromHandshake(auth: Record<string, unknown>): Caller;
}

/** Name used when an open-mode caller gives none (e.g. a bare `curl`). */
export const ANONYMOUS = 'anonymous';

/**
 * Open mode: the body's `user`, else the `X-PDM-User` header, else `anonymous`. Admins are the
 * names given with `--admins` (none by default), so `force` is refused unless the shop opts in.
 */
export function openIdentity(admins: readonly string[]): Identity {
  const caller = (raw: unknown): Caller => {
    if (raw === undefined || raw === null || raw === '') return { user: ANONYMOUS, admin: admins.includes(ANONYMOUS) };
    const parsed = userName.safeParse(raw);
    if (!parsed.success) throw new AppError('INVALID_REQUEST', 'Invalid user name: 1 to 100 characters, no control characters.');
    return { user: parsed.data, admin: admins.includes(parsed.data) };
  };
  return {
    fromHttp: (headers, claimed) => caller(claimed ?? headerValue(headers['x-pdm-user'])),
    fromHandshake: (auth) => caller(auth.user),
  };
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
