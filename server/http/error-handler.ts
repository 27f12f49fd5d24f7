import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { AppError, toAppError } from '../errors.js';
import type { Logger } from '../logger.js';

/** Unknown `/api` routes answer JSON too. */
export const apiNotFound: RequestHandler = (req, _res, next) => {
  next(new AppError('NOT_FOUND', `No API route ${req.method} ${req.path}.`));
};

/** How a router answers an error: the API's `{detail, code}`, or another protocol's shape (Git LFS). */
export type ErrorAnswer = (error: AppError, res: Response) => void;

const apiAnswer: ErrorAnswer = (error, res) => {
  if (error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(error.retryAfterSeconds));
  res.status(error.status).json(error.toBody());
};

/**
 * The one place errors become responses: the API's codes as they are, anything else a logged
 * 500. `answer` shapes the body for routers that speak another protocol.
 */
export function errorHandler(logger: Logger, answer: ErrorAnswer = apiAnswer): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const error = toAppError(err);
    if (error.code === 'INTERNAL') logger.error({ err, method: req.method, url: req.originalUrl }, 'unhandled error');
    answer(error, res);
  };
}
