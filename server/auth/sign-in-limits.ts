import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { AppError } from '../errors.js';
import { foldName } from './name-fold.js';

/** Failed sign-ins allowed in `windowMs`. */
export interface SignInLimits {
  /** Per name from one address. */
  perUser: number;
  /** Per address, whatever the names. */
  perAddress: number;
  windowMs: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { perUser: 5, perAddress: 20, windowMs: 15 * 60_000 };

/** A name as sign-in looks it up (surrounding blanks are not part of it). */
export function signInName(raw: unknown): string {
  return typeof raw === 'string' ? raw.trim() : '';
}

/**
 * The name a request tries to sign in with: HTTP Basic's (Git LFS), else a JSON body's `user`
 * (`POST /api/session`); null for requests that do not sign in (a bearer token, a cookie).
 */
export function attemptedName(req: Request): string | null {
  const basic = basicCredentials(req.headers.authorization);
  if (basic) return signInName(basic.user);
  // A signature (a release's password again): the signed-in user is the name it tries.
  const signer = (req as Request & { signer?: string }).signer;
  if (signer !== undefined) return signer;
  const body: unknown = req.body;
  if (req.method === 'POST' && typeof body === 'object' && body !== null) return signInName((body as { user?: unknown }).user);
  return null;
}

/** `Authorization: Basic …` as user and password; null when it is not Basic. */
export function basicCredentials(header: string | undefined): { user: string; password: string } | null {
  // Node bounds a request's headers (16 KB); the limits key a name by its digest.
  if (!header?.startsWith('Basic ')) return null;
  const text = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const i = text.indexOf(':');
  return i < 0 ? { user: text, password: '' } : { user: text.slice(0, i), password: text.slice(i + 1) };
}

// Keys of a fixed size whatever the name's (an 8 KB name costs the store 64 bytes).
// Folded as a directory folds them (NFKC, then case): it takes ALICE and full-width ａlice for
// alice, so guesses at any of them count as one.
const digest = (s: string) => createHash('sha256').update(foldName(s)).digest('base64url');

/**
 * The sign-in rate limits, shared by `POST /api/session` and Git LFS Basic auth (one store, so
 * a guess counts the same on either). Only failures count (`skipSuccessfulRequests`), and each
 * request is counted when it starts, so a hundred parallel guesses are not all checked.
 *
 * Three limits, in order: failures per address (`perAddress`); per name from that address
 * (`perUser`); per name from anywhere (ten times `perUser`). So one address guessing alice's
 * password locks out that address, not alice at her own desk; only a guessing spread over many
 * addresses holds alice back, and then for the window at most.
 */
export function signInLimiters(limits: SignInLimits, nameOf: (req: Request) => string | null = attemptedName): RequestHandler[] {
  const address = (req: Request) => ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? '');
  const make = (limit: number, key: (req: Request, name: string) => string): RequestHandler =>
    rateLimit({
      windowMs: limits.windowMs,
      limit,
      skipSuccessfulRequests: true,
      // Only wrong credentials count: a signed-in user's own refusals (a Git LFS lock on a file
      // someone holds: 409; an unknown path: 404) are not guesses.
      requestWasSuccessful: (_req, res) => res.statusCode !== 401,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      skip: (req) => nameOf(req) === null,
      keyGenerator: (req) => key(req, nameOf(req) ?? ''),
      handler: (req, res, next) => {
        const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
        const seconds = Math.max(1, Math.ceil(((reset?.getTime() ?? Date.now() + limits.windowMs) - Date.now()) / 1000));
        res.setHeader('Retry-After', String(seconds));
        next(new AppError('TOO_MANY_REQUESTS', `Too many failed sign-ins: try again in ${seconds} s.`));
      },
    });
  return [
    make(limits.perAddress, (req) => `address:${address(req)}`),
    make(limits.perUser, (req, name) => `name-at:${digest(`${name}\u0000${address(req)}`)}`),
    make(limits.perUser * 10, (_req, name) => `name:${digest(name)}`),
  ];
}
