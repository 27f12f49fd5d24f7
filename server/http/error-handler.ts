import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, toAppError } from '../errors.js';
import type { Logger } from '../logger.js';

/** Unknown `/api` routes answer JSON too. */
export const apiNotFound: RequestHandler = (req, _res, next) => {
  next(new AppError('NOT_FOUND', `No API route ${req.method} ${req.path}.`));
};

/** The one place errors become responses: contract codes as they are, anything else a logged 500. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    const error = toAppError(err);
    if (error.code === 'INTERNAL') logger.error({ err, method: req.method, url: req.originalUrl }, 'unhandled error');
    res.status(error.status).json(error.toBody());
  };
}
