import { z } from 'zod';
import * as wire from '../../shared/wire-schemas.js';
import { checkinManySchema, checkinSchema, checkoutManySchema, checkoutSchema, namesSeveral, stateSchema, unwaitSchema, waitSchema } from '../files/command-schemas.js';
import { newRevisionOf } from '../../shared/file-status.js';
import type { StateCommands } from '../states/state-commands.js';
import type { Caller, FileCommands } from '../files/file-commands.js';
import type { Nudges } from '../files/nudges.js';
import type { UndoCheckout } from '../versions/undo-checkout.js';

/** What a command's handler may use. */
export interface CommandDeps {
  commands: FileCommands;
  undo: UndoCheckout;
  nudges: Nudges;
  states: StateCommands;
}

/**
 * One shape of a command's request: its schema as HTTP takes it (with open mode's `user`; a
 * socket takes the same without it, its session names the caller) and what it does.
 */
export interface CommandVariant {
  schema: z.ZodObject;
  /** The answer without HTTP's `success` or a socket ack's `ok`. */
  run(deps: CommandDeps, caller: Caller, input: never): Promise<object>;
}

/**
 * A command, declared once: `POST /api/files/{name}` and the socket event `name` are loops over
 * these (server/http/files-routes.ts, server/realtime/socket-hub.ts), and so is their part of the
 * OpenAPI document (server/http/openapi.ts). Adding a command is one entry and its handler.
 */
export interface CommandSpec {
  name: 'checkout' | 'checkin' | 'wait' | 'unwait' | 'nudge' | 'state';
  summary: string;
  /**
   * Where HTTP takes the file: the body's `filename` at `POST /api/files/{command}` (default), or
   * the path, `POST /api/files/{name}/{command}`.
   */
  path?: 'body' | 'name';
  /** Also a socket event (default). */
  socket?: boolean;
  /** A `password` in the body is checked again: a wrong one counts as a failed sign-in. */
  signs?: boolean;
  /** One file, or several at once when the body names `filenames`. */
  one: CommandVariant;
  several?: CommandVariant;
  /** The HTTP answer's schema (with `success`), for the OpenAPI document. */
  answer: z.ZodType;
  answerNote: string;
  /** The refusals it may answer, by HTTP status, for the OpenAPI document. */
  errors: Partial<Record<400 | 401 | 403 | 404 | 409 | 429 | 503, string>>;
  /** The socket ack carries `success: true` too (as `nudge`'s always has). */
  ackSuccess?: boolean;
}

/** Ties a variant's handler to its schema's type (the table holds them side by side). */
function variant<S extends z.ZodObject>(schema: S, run: (deps: CommandDeps, caller: Caller, input: z.infer<S>) => Promise<object>): CommandVariant {
  return { schema, run };
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'checkout',
    summary: 'Check a file out (an exclusive lock with a message), or several at once (`filenames`: all or nothing)',
    one: variant(checkoutSchema, async (d, caller, input) => {
      const file = await d.commands.checkout(caller, input);
      const started = newRevisionOf(file);
      return { file, ...(started ? { new_revision: started } : {}) };
    }),
    several: variant(checkoutManySchema, async (d, caller, input) => ({ files: await d.commands.checkoutMany(caller, input) })),
    answer: z.union([wire.mutationBody, wire.filesMutationBody]),
    answerNote: 'Checked out (`new_revision`: a proven, released or obsolete file became a draft of its next revision)',
    errors: { 400: 'Invalid input (INVALID_REQUEST)', 404: 'FILE_NOT_FOUND (`missing` for several)', 409: 'ALREADY_LOCKED, with the lock (`locks` for several)', 429: 'Over the client\'s budget of files changed (Retry-After)', 503: 'locks.json is unavailable' },
  },
  {
    name: 'checkin',
    summary: 'Check a file in (release the lock; `force` and `reason` for admins; `revert` undoes the check-out), or several of yours at once (`filenames`)',
    one: variant(checkinSchema, (d, caller, input) => d.undo.checkinOrUndo(caller, input)),
    several: variant(checkinManySchema, async (d, caller, input) => ({ files: await d.commands.checkinMany(caller, input) })),
    answer: z.union([wire.mutationBody, wire.filesMutationBody, wire.undoBody]),
    answerNote: 'Checked in (`revert`: undone, `reverted` says whether the content was put back)',
    errors: { 400: 'Invalid input (INVALID_REQUEST)', 403: 'NOT_LOCK_OWNER or FORBIDDEN', 404: 'FILE_NOT_FOUND, or NOT_FOUND: `revert` with no version recorded at check-out', 409: 'NOT_LOCKED', 429: 'Over the client\'s budget of files changed (Retry-After)', 503: 'locks.json is unavailable' },
  },
  {
    name: 'wait',
    summary: 'Join the queue of a file someone else holds (it is yours when released, with this message)',
    one: variant(waitSchema, async (d, caller, input) => ({ file: await d.commands.wait(caller, input) })),
    answer: wire.mutationBody,
    answerNote: 'Queued (joining twice changes nothing)',
    errors: { 400: 'Invalid input, or the queue is full (100)', 404: 'No such file', 409: 'NOT_LOCKED (check it out instead) or ALREADY_LOCKED (you hold it)', 429: 'Over the client\'s budget of files changed (Retry-After)' },
  },
  {
    name: 'unwait',
    summary: 'Leave the queue',
    one: variant(unwaitSchema, async (d, caller, input) => ({ file: await d.commands.unwait(caller, input) })),
    answer: wire.mutationBody,
    answerNote: 'Left (also when not queued)',
    errors: { 404: 'No such file', 429: 'Over the client\'s budget of files changed (Retry-After)' },
  },
  {
    name: 'nudge',
    summary: 'Ask the holder to release a file (lock:nudged to their sockets on every server; one with no page open gets it when they open one)',
    one: variant(waitSchema, (d, caller, input) => d.nudges.nudge(caller, input)),
    answer: wire.nudgeBody,
    answerNote: 'Sent',
    errors: { 403: 'You hold it', 404: 'No such file', 409: 'NOT_LOCKED', 429: 'Asked already within 10 minutes (Retry-After)' },
    ackSuccess: true,
  },
  {
    name: 'state',
    summary: 'Set a file\'s release state: draft → proven (anyone), proven → released and released → obsolete (approvers, with a comment; a release signed with the password in users mode), obsolete → draft (approvers)',
    path: 'name',
    socket: false,
    signs: true,
    one: variant(stateSchema, async (d, caller, input) => ({ file: await d.states.set(caller, input) })),
    answer: wire.mutationBody,
    answerNote: 'The file in its new state',
    errors: { 400: 'Invalid input, or no comment where one is needed', 401: 'The release\'s password is wrong (counted as a failed sign-in)', 403: 'Only approvers may make this change', 404: 'No such file', 409: 'INVALID_TRANSITION, or ALREADY_LOCKED: checked out by someone', 503: 'STATES_UNAVAILABLE: states.json does not parse' },
  },
];

/** The variant a request is for: several files when it names `filenames`. */
export function variantOf(spec: CommandSpec, body: unknown): CommandVariant {
  return spec.several && namesSeveral(body) ? spec.several : spec.one;
}

const socketSchemas = new WeakMap<z.ZodObject, z.ZodObject>();

/** A variant's schema as a socket takes it: the same without `user` (the session names the caller). */
export function socketSchema(v: CommandVariant): z.ZodObject {
  let s = socketSchemas.get(v.schema);
  if (!s) socketSchemas.set(v.schema, (s = v.schema.omit({ user: true })));
  return s;
}
