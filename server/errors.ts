import type { ErrorBody, ErrorCode, LockInfo } from '../shared/protocol.js';

const STATUS: Record<ErrorCode, number> = {
  INVALID_REQUEST: 400,
  UNAUTHENTICATED: 401,
  NOT_LOCK_OWNER: 403,
  FORBIDDEN: 403,
  FILE_NOT_FOUND: 404,
  NOT_FOUND: 404,
  ALREADY_LOCKED: 409,
  NOT_LOCKED: 409,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
  LOCKS_UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** The one error type: a contract code, its HTTP status and a sentence for a person. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extra: { lock?: LockInfo } = {},
  ) {
    super(detail);
    this.name = 'AppError';
    this.status = STATUS[code];
  }

  toBody(): ErrorBody {
    return { detail: this.detail, code: this.code, ...this.extra };
  }
}

/** Any thrown value as a contract error; unknown ones become a generic INTERNAL. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError('INTERNAL', 'Internal server error.');
}
