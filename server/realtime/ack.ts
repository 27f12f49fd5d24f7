import type { Ack } from '../../shared/protocol.js';
import { toAppError } from '../errors.js';
import type { Logger } from '../logger.js';

/**
 * Runs a socket command and answers its ack: `{ok:true, ...result}` or `{ok:false, code, detail}`.
 * A missing ack callback is tolerated (the command still runs).
 */
export async function answer<T extends object>(ack: unknown, logger: Logger, run: () => Promise<T> | T): Promise<void> {
  let reply: Ack<T>;
  try {
    reply = { ok: true, ...(await run()) };
  } catch (err) {
    const e = toAppError(err);
    if (e.code === 'INTERNAL') logger.error({ err }, 'socket command failed');
    reply = { ok: false, ...e.toBody(), ...(e.retryAfterSeconds !== undefined ? { retry_after_s: e.retryAfterSeconds } : {}) };
  }
  if (typeof ack === 'function') (ack as (r: Ack<T>) => void)(reply);
}
