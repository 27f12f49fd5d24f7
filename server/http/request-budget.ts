import type { RequestHandler } from 'express';
import { AppError } from '../errors.js';
import { KeyedBuckets, type CommandBudgetLimits } from '../files/command-budgets.js';

/**
 * API requests per client address (the client behind a `--trust-proxy`), whoever is signed in:
 * ten times the files budget a second, fifty times at once (200/s and 1,000 by default). A page
 * makes a few a minute; a script looping on `GET /api/files` gets 429 with `Retry-After`.
 */
export function requestBudget(files: CommandBudgetLimits | null): RequestHandler {
  if (!files) return (_req, _res, next) => next();
  const buckets = new KeyedBuckets({ burst: 50 * files.perSecond, perSecond: 10 * files.perSecond });
  return (req, _res, next) => {
    const wait = buckets.take(req.ip ?? req.socket.remoteAddress ?? '', 1);
    next(wait === 0 ? undefined : new AppError('TOO_MANY_REQUESTS', `Too many requests from this address: try again in ${wait} s.`, {}, wait));
  };
}
