import express, { type RequestHandler } from 'express';
import { AppError } from '../errors.js';

/**
 * Types a web page can send across sites without a CORS preflight, whose body can still be raw
 * JSON: a `<form enctype="text/plain">` posting `{"filename":…}` checked files out on a
 * developer's server. (URL-encoded and multipart bodies cannot be raw JSON, and a bare `curl -d`
 * sends URL-encoded, so those still parse.)
 */
const CROSS_SITE_TYPES = /^\s*(text\/plain|multipart\/form-data)\b/i;

/**
 * The JSON body parser every route uses: any content type but the cross-site ones above is read
 * as JSON (callers need not set one), up to `limit`.
 */
export function jsonBody(limit: string): RequestHandler {
  const parse = express.json({ limit, strict: false, type: () => true });
  return (req, res, next) => {
    const type = req.headers['content-type'];
    if (typeof type === 'string' && CROSS_SITE_TYPES.test(type)) {
      next(new AppError('INVALID_REQUEST', 'Send the body as JSON, with Content-Type: application/json.'));
    } else {
      // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- express's Request is body-parser's IncomingMessage
      parse(req, res, next);
    }
  };
}
