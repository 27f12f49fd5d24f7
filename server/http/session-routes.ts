import express, { Router, type Request, type Response } from 'express';
import { rateLimit, type Options } from 'express-rate-limit';
import { z } from 'zod';
import { DUMMY_HASH, verifyPassword } from '../auth/passwords.js';
import { SESSION_COOKIE, tokenFrom, type Identity } from '../auth/identity.js';
import type { SessionTokens } from '../auth/session-tokens.js';
import type { UsersDirectory } from '../auth/users-file.js';
import { AppError } from '../errors.js';
import { parseInput, userName } from '../files/command-schemas.js';

export interface SessionRoutesDeps {
  identity: Identity;
  /** Users mode only. */
  users?: UsersDirectory;
  tokens?: SessionTokens;
  /** Failed sign-ins allowed per user and per address in `windowMs`. */
  limits?: { perUser: number; perAddress: number; windowMs: number };
  onSignOut?: (sid: string) => void;
}

const signInSchema = z.object({ user: userName, password: z.string().min(1).max(1000) });

function limiter(limit: number, windowMs: number, key: Options['keyGenerator'] | undefined) {
  return rateLimit({
    windowMs,
    limit,
    // Only failures count: a shop's people signing in all day never hit it.
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    ...(key ? { keyGenerator: key } : {}),
    handler: (req: Request, res: Response) => {
      const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = Math.max(1, Math.ceil(((reset?.getTime() ?? Date.now() + windowMs) - Date.now()) / 1000));
      res.setHeader('Retry-After', String(seconds));
      res.status(429).json({ detail: `Too many failed sign-ins: try again in ${seconds} s.`, code: 'TOO_MANY_REQUESTS' });
    },
  });
}

/** POST/GET/DELETE /api/session: sign in (cookie + bearer token), who am I, sign out. */
export function sessionRoutes(d: SessionRoutesDeps): Router {
  const r = Router();
  const json = express.json({ limit: '16kb', strict: false, type: () => true });
  const { perUser, perAddress, windowMs } = d.limits ?? { perUser: 5, perAddress: 20, windowMs: 15 * 60_000 };

  r.get('/session', async (req, res) => {
    if (d.identity.mode === 'open') {
      // Open mode: callers name themselves; the page uses this to learn the mode and its role.
      const claimed = req.headers['x-pdm-user'];
      const caller = typeof claimed === 'string' && claimed ? await d.identity.fromHttp(req.headers) : null;
      res.json({ user: caller?.user ?? null, role: caller?.admin ? 'admin' : 'user', mode: 'open' });
      return;
    }
    const caller = await d.identity.fromHttp(req.headers);
    res.json({ user: caller.user, role: caller.admin ? 'admin' : 'user', mode: 'users' });
  });

  r.post(
    '/session',
    json,
    limiter(perAddress, windowMs, undefined),
    limiter(perUser, windowMs, (req) => `user:${typeof req.body?.user === 'string' ? req.body.user : ''}`),
    async (req, res) => {
      if (!d.users || !d.tokens) throw new AppError('NOT_FOUND', 'Sign-in is not configured: this server runs in open mode.');
      const body = parseInput(signInSchema, req.body);
      const user = await d.users.get(body.user);
      // Always run scrypt, so a wrong name and a wrong password take the same time.
      const ok = await verifyPassword(body.password, user?.hash ?? DUMMY_HASH);
      if (!user || !ok) throw new AppError('UNAUTHENTICATED', 'Wrong user name or password.');
      const { token } = await d.tokens.issue(user.name, user.role);
      res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/', maxAge: 12 * 3600 * 1000 });
      res.json({ user: user.name, role: user.role, token });
    },
  );

  r.delete('/session', async (req, res) => {
    if (d.tokens) {
      const claims = await d.tokens.verify(tokenFrom(req.headers));
      if (claims) {
        await d.tokens.revoke(claims.sid);
        d.onSignOut?.(claims.sid);
      }
    }
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.status(204).end();
  });

  return r;
}
