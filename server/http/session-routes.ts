import { jsonBody } from './json-body.js';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Caller } from '../files/file-commands.js';
import { SESSION_COOKIE, tokenFrom, type Identity } from '../auth/identity.js';
import type { SessionTokens } from '../auth/session-tokens.js';
import type { Accounts } from '../auth/accounts.js';
import { AppError } from '../errors.js';
import type { ErrorBody, SessionBody, SignInBody } from '../../shared/protocol.js';
import { parseInput, userName } from '../files/command-schemas.js';

export interface SessionRoutesDeps {
  identity: Identity;
  /** Users mode only. */
  accounts?: Accounts;
  tokens?: SessionTokens;
  /** The sign-in limits (shared with Git LFS Basic auth). */
  signInLimits: RequestHandler[];
  onSignOut?: (sid: string) => void;
  /** `--share-path`, else the vault's folder: what `Copy path` puts before a name. */
  sharePath: string;
  /** Whether a caller may release and retire files (release states). */
  approver: (caller: Caller) => Promise<boolean>;
}

export const signInSchema = z.object({ user: userName, password: z.string().min(1).max(1000) });

/** POST/GET/DELETE /api/session: sign in (cookie + bearer token), who am I, sign out. */
export function sessionRoutes(d: SessionRoutesDeps): Router {
  const r = Router();
  const json = jsonBody('16kb');

  r.get('/session', async (req, res) => {
    if (d.identity.mode === 'open') {
      // Open mode: callers name themselves; the page uses this to learn the mode and its role.
      const claimed = req.headers['x-pdm-user'];
      const caller = typeof claimed === 'string' && claimed ? await d.identity.fromHttp(req.headers) : null;
      res.json({ user: caller?.user ?? null, role: caller?.admin ? 'admin' : 'user', mode: 'open', share_path: d.sharePath, approver: caller ? await d.approver(caller) : false } satisfies SessionBody);
      return;
    }
    try {
      const caller = await d.identity.fromHttp(req.headers);
      res.json({ user: caller.user, role: caller.admin ? 'admin' : 'user', mode: 'users', share_path: d.sharePath, approver: await d.approver(caller) } satisfies SessionBody);
    } catch (err) {
      // The sign-in form names the directory it signs in to before anyone has signed in.
      if (!(err instanceof AppError) || err.code !== 'UNAUTHENTICATED' || !d.accounts?.label) throw err;
      res.status(401).json({ ...err.toBody(), directory: d.accounts.label } satisfies ErrorBody & { directory: string });
    }
  });

  r.post(
    '/session',
    json,
    ...d.signInLimits,
    async (req, res) => {
      if (!d.accounts || !d.tokens) throw new AppError('NOT_FOUND', 'Sign-in is not configured: this server runs in open mode.');
      const body = parseInput(signInSchema, req.body);
      const user = await d.accounts.signIn(body.user, body.password);
      if (!user) throw new AppError('UNAUTHENTICATED', 'Wrong user name or password.');
      const { token } = await d.tokens.issue(user.name, user.role, await d.accounts.stamp(user.name));
      res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/', maxAge: 12 * 3600 * 1000 });
      res.json({ user: user.name, role: user.role, token, share_path: d.sharePath } satisfies SignInBody);
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
