import type { Request } from 'express';
import type { Identity } from '../auth/identity.js';
import type { Caller } from '../files/file-commands.js';

/** Who a request speaks for: the one path every HTTP mutation takes, honouring a body's `user`. */
export type CallerOf = (req: Request, claimed?: string) => Promise<Caller>;

export function callerOf(identity: Identity): CallerOf {
  return (req, claimed) => identity.fromHttp(req.headers, claimed);
}
