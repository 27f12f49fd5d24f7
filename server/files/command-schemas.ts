import { z } from 'zod';
import { MAX_NAME_LENGTH } from '../../shared/file-names.js';
import { ACTIVITY_TYPES, RELEASE_STATES, type ActivityType, type CheckinCommand, type CheckoutCommand, type WaitCommand } from '../../shared/protocol.js';
import { untilProblem } from './queue.js';
import { AppError } from '../errors.js';

// eslint-disable-next-line no-control-regex
const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;

export const userName = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').regex(NO_CONTROL, 'must not contain control characters');
const filename = z.string().min(1, 'must not be empty').max(MAX_NAME_LENGTH, `must be at most ${MAX_NAME_LENGTH} characters`);
const text = (max: number) => z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

// The custom check runs once the string is known to be short: an outsider's 10 MB `until` is refused by max first.
const until = z
  .string()
  .max(40, 'must be an ISO time such as 2026-12-03T16:00:00Z')
  .superRefine((v, ctx) => {
    const problem = untilProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** POST /api/files/checkout and the socket's `checkout`. */
export const checkoutSchema = z.object({ filename, message: text(2000).optional(), until: until.optional(), user: userName.optional() }) satisfies z.ZodType<CheckoutCommand & { user?: string }>;
/** 1 to 500 distinct names, for several files at once. */
const filenames = z
  .array(filename)
  .min(1, 'must name at least one file')
  .max(500, 'must name at most 500 files')
  .refine((names) => new Set(names).size === names.length, 'must not name a file twice');
/** POST /api/files/checkout with `filenames`: all or nothing. */
export const checkoutManySchema = z.object({ filenames, message: text(2000).optional(), until: until.optional(), user: userName.optional() });
/** POST /api/files/checkin with `filenames`: every one held by the caller, or nothing changes. */
export const checkinManySchema = z.object({ filenames, comment: text(2000).optional(), user: userName.optional() });
/** Whether a body names several files (`filenames`) rather than one. */
export const namesSeveral = (body: unknown): boolean => typeof body === 'object' && body !== null && 'filenames' in body;

/** POST /api/files/wait and nudge, and the sockets' `wait` and `nudge`. */
export const waitSchema = z.object({ filename, message: text(2000).optional(), user: userName.optional() }) satisfies z.ZodType<WaitCommand & { user?: string }>;
/** POST /api/files/unwait and the socket's `unwait`. */
export const unwaitSchema = z.object({ filename, user: userName.optional() });
/** POST /api/files/checkin and the socket's `checkin`. */
export const checkinSchema = z.object({ filename, force: z.boolean().optional(), reason: text(2000).optional(), comment: text(2000).optional(), revert: z.boolean().optional(), user: userName.optional() }) satisfies z.ZodType<CheckinCommand & { user?: string }>;
export const syncSchema = z.object({}).optional();

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const isoTime = z
  .string()
  .max(40, 'must be an ISO time such as 2026-12-01T08:00:00Z')
  .refine((v) => ISO_TIME.test(v) && !Number.isNaN(Date.parse(v)), 'must be an ISO time such as 2026-12-01T08:00:00Z')
  .transform((v) => Date.parse(v));
const activityTypes = z
  .string()
  .max(1000, 'must be at most 1000 characters')
  .transform((v) => v.split(',').map((t) => t.trim()).filter(Boolean))
  .refine((ts) => ts.length > 0 && ts.every((t) => (ACTIVITY_TYPES as readonly string[]).includes(t)), `must be a comma-separated list of ${ACTIVITY_TYPES.join(', ')}`)
  .transform((ts) => new Set(ts as ActivityType[]));
const entryId = z.string().min(1).max(200);

/**
 * GET /api/activity. Without filters, `before` or `format`: the last `limit` entries or those
 * after `after` (an event subscriber catching up, up to 10,000). With any of them: up to 1,000.
 */
export const activityQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(10_000).optional(),
    after: entryId.optional(),
    before: entryId.optional(),
    filename: filename.optional(),
    user: z.string().min(1).max(100).optional(),
    type: activityTypes.optional(),
    since: isoTime.optional(),
    until: isoTime.optional(),
    format: z.enum(['json', 'csv']).optional(),
    match: z.enum(['exact', 'part']).optional(),
  })
  .refine((q) => !(q.after && q.before), { error: 'after and before cannot be combined', path: ['before'] })
  .refine((q) => (q.limit ?? 0) <= 1000 || !searchesActivity(q), { error: 'must be at most 1000 with filters, before or format', path: ['limit'] });

/** Whether an activity query filters, pages backwards or asks for CSV (rather than the plain tail). */
export function searchesActivity(q: { before?: unknown; filename?: unknown; user?: unknown; type?: unknown; since?: unknown; until?: unknown; format?: unknown }): boolean {
  return [q.before, q.filename, q.user, q.type, q.since, q.until, q.format].some((v) => v !== undefined);
}

/** GET /api/files/{name}/history. */
export const historyQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(1000).optional() });

/** Parses or throws INVALID_REQUEST naming the first bad field. */
export function parseInput<S extends z.ZodType>(schema: S, data: unknown): z.infer<S> {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const where = issue.path.length ? issue.path.join('.') : 'the request body';
  const why = issue.code === 'invalid_type' ? `must be ${issue.expected}` : issue.message;
  throw new AppError('INVALID_REQUEST', `Invalid request: ${where} ${why}.`);
}

/** POST /api/files/{name}/state (CONTRACT §18): the file from the path, the state to give it. */
export const stateSchema = z.object({
  filename,
  state: z.enum(RELEASE_STATES),
  comment: text(2000).optional(),
  /** Users mode, `released`: the approver's password again (an electronic signature). */
  password: z.string().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters').optional(),
  user: userName.optional(),
});
export type StateInput = z.infer<typeof stateSchema>;
