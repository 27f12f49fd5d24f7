import type { Request } from 'express';
import { clientKey, type Identity } from '../auth/identity.js';
import type { Caller } from '../files/file-commands.js';

/** Who a request speaks for: the one path every HTTP mutation takes, honouring a body's `user`. */
export type CallerOf = (req: Request, claimed?: string) => Promise<Caller>;

/**
 * The caller, with who pays for the command: the user in users mode, the client's address in
 * open mode (where any name can be claimed); `req.ip` is the client behind a `--trust-proxy`.
 */
export function callerOf(identity: Identity): CallerOf {
  return async (req, claimed) => {
    const caller = await identity.fromHttp(req.headers, claimed);
    return { ...caller, client: clientKey(identity, caller.user, req.ip ?? req.socket.remoteAddress ?? '') };
  };
}
