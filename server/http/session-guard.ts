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
