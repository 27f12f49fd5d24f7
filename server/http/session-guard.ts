import type { RequestHandler } from 'express';
import type { Identity } from '../auth/identity.js';

/**
 * Put in front of every router whose answers need a signed-in session in users mode (files,
 * versions, activity, metrics), at its own mount: what is protected does not depend on the order
 * routers are mounted in. Runs before any body is parsed; open mode lets everything through.
 */
export function sessionGuard(identity: Identity): RequestHandler {
  if (identity.mode !== 'users') return (_req, _res, next) => next();
  return async (req, _res, next) => {
    await identity.fromHttp(req.headers);
    next();
  };
}

/**
 * Before the sign-in limits of a command that takes a password again (a signature): names the
 * request's signer, the session's user, so a wrong password counts against that name as a failed
 * sign-in would. A request without a password is not a sign-in attempt.
 */
export function signerFirst(identity: Identity): RequestHandler {
  return async (req, _res, next) => {
    const body: unknown = req.body;
    if (identity.mode === 'users' && typeof body === 'object' && body !== null && 'password' in body) {
      (req as typeof req & { signer?: string }).signer = (await identity.fromHttp(req.headers)).user;
    }
    next();
  };
}
