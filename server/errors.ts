import type { ErrorBody, ErrorCode, LockInfo, LocksMap } from '../shared/protocol.js';

const STATUS: Record<ErrorCode, number> = {
  INVALID_REQUEST: 400,
  UNAUTHENTICATED: 401,
  NOT_LOCK_OWNER: 403,
  FORBIDDEN: 403,
  FILE_NOT_FOUND: 404,
  NOT_FOUND: 404,
  ALREADY_LOCKED: 409,
  NOT_LOCKED: 409,
  UNDO_UNAVAILABLE: 409,
  PAYLOAD_TOO_LARGE: 413,
  FILE_BUSY: 423,
  TOO_MANY_REQUESTS: 429,
  LOCKS_UNAVAILABLE: 503,
  DIRECTORY_UNAVAILABLE: 503,
  INVALID_TRANSITION: 409,
  STATES_UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** The one error type: an error code of the API (ErrorBody in /api/openapi.json), its HTTP status and a sentence for a person. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extra: { lock?: LockInfo; locks?: LocksMap; missing?: string[] } = {},
    /** TOO_MANY_REQUESTS: when to try again (HTTP `Retry-After`; not in the body). */
    readonly retryAfterSeconds?: number,
  ) {
    super(detail);
    this.name = 'AppError';
    this.status = STATUS[code];
  }

  toBody(): ErrorBody {
    return { detail: this.detail, code: this.code, ...this.extra };
  }
}

/**
 * Any thrown value as an API error: body-parser's refusals (bad JSON, too large, an unknown
 * charset or content encoding, a body that does not inflate) are the client's fault and 4xx;
 * anything else unknown becomes a generic INTERNAL.
 */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { type?: unknown; status?: unknown; code?: unknown } | null;
  if (e?.type === 'entity.parse.failed') return new AppError('INVALID_REQUEST', 'The request body is not valid JSON.');
  if (e?.type === 'entity.too.large') return new AppError('PAYLOAD_TOO_LARGE', 'The request body is over the size limit.');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return new AppError('INVALID_REQUEST', 'Unsupported body encoding or charset: send UTF-8 JSON.');
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return new AppError('INVALID_REQUEST', 'Malformed request body.');
  // zlib's own errors (a body that claims gzip but is not) carry a Z_ code and no status.
  if (typeof e?.code === 'string' && e.code.startsWith('Z_')) return new AppError('INVALID_REQUEST', 'The request body could not be decompressed.');
  return new AppError('INTERNAL', 'Internal server error.');
}
