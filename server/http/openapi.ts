import { OpenApiGeneratorV31, OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { z } from 'zod';
import { historyQuerySchema } from '../files/command-schemas.js';
import { COMMANDS, type CommandSpec } from '../commands/command-table.js';
import { createSchema, listQuery, unlockSchema, verifySchema } from '../../shared/lfs-schemas.js';
import { signInSchema } from './session-routes.js';
import { restoreSchema } from './version-routes.js';
import * as wire from '../../shared/wire-schemas.js';
import * as notify from '../../shared/notify-schemas.js';

const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const lfsJson = (schema: z.ZodType, description: string) => ({ description, content: { 'application/vnd.git-lfs+json': { schema } } });
const bytes = (description: string) => ({ description, content: { 'application/octet-stream': { schema: z.string().meta({ format: 'binary' }) } } });
const error = (description: string) => json(wire.errorBody, description);
const name = z.object({ name: z.string().meta({ description: 'The file name relative to the vault; `/` between folders, encoded or not.' }) });
const nameAndVersion = name.extend({ n: z.string().regex(/^[1-9]\d*$/).meta({ description: 'A version number.' }) });
/** GET /api/activity's query as a client writes it (the route's schema also turns it into values). */
const activityQuery = z.object({
  limit: z.string().regex(/^\d+$/).optional().meta({ description: '1 to 10,000 (1,000 with filters, `before` or `format`); default 100' }),
  after: z.string().optional(),
  before: z.string().optional(),
  filename: z.string().optional(),
  user: z.string().optional(),
  type: z.string().optional().meta({ description: 'Comma-separated activity types' }),
  since: z.string().optional().meta({ description: 'ISO time, inclusive' }),
  until: z.string().optional().meta({ description: 'ISO time, inclusive' }),
  format: z.enum(['json', 'csv']).optional(),
  match: z.enum(['exact', 'part']).optional().meta({ description: '`part`: `filename` and `user` match part of the text, ignoring case (as the page\'s filters); default `exact`' }),
});
const errors = { 400: error('Invalid input (INVALID_REQUEST)'), 401: error('No valid session (users mode)'), 404: error('No such file, version or route'), 503: error('locks.json is unavailable') };

/** A command of the command table as its HTTP route: `POST /api/files/{name}`. */
function commandRoute(c: CommandSpec): RouteConfig {
  const body = c.several ? z.union([c.one.schema, c.several.schema]) : c.one.schema;
  const refusals = Object.fromEntries(Object.entries(c.errors).map(([status, note]) => [status, error(note)]));
  if (c.path === 'name') {
    const fromPath = c.one.schema.omit({ filename: true });
    return { method: 'post', path: `/api/files/{name}/${c.name}`, summary: c.summary, request: { params: name, body: { content: { 'application/json': { schema: fromPath } } } }, responses: { 200: json(c.answer, c.answerNote), ...refusals } };
  }
  return { method: 'post', path: `/api/files/${c.name}`, summary: c.summary, request: { body: { content: { 'application/json': { schema: body } } } }, responses: { 200: json(c.answer, c.answerNote), ...refusals } };
}

/** Every route of the HTTP API, with the schemas its handler validates and answers. */
const ROUTES: RouteConfig[] = [
  { method: 'get', path: '/api/health', summary: 'Whether locks.json is usable', responses: { 200: json(wire.healthBody, 'Health') } },
  { method: 'get', path: '/api/files', summary: 'Every tracked file with its lock', responses: { 200: json(wire.filesBody, 'The files, sorted by name in code-point order'), 401: errors[401] } },
  { method: 'get', path: '/api/locks', summary: 'locks.json as the server holds it', responses: { 200: json(wire.locksBody, 'The locks'), 401: errors[401] } },
  { method: 'get', path: '/api/files/{name}', summary: 'One file', request: { params: name }, responses: { 200: json(wire.fileStatus, 'The file'), 400: errors[400], 404: errors[404] } },
  { method: 'get', path: '/api/files/{name}/content', summary: 'The file\'s bytes', request: { params: name }, responses: { 200: bytes('The content, as an attachment'), 404: errors[404] } },
  ...COMMANDS.map(commandRoute),
  { method: 'get', path: '/api/notifications', summary: 'What you are told beyond the page (push, mail) and your switches', responses: { 200: json(notify.notificationsBody, 'Channels and switches'), 401: errors[401] } },
  { method: 'put', path: '/api/notifications', summary: 'Turn kinds of notice on or off per channel', request: { body: { content: { 'application/json': { schema: notify.noticeSettingsInput } } } }, responses: { 200: json(notify.notificationsBody, 'Channels and switches'), 400: errors[400], 401: errors[401] } },
  { method: 'post', path: '/api/notifications/push', summary: 'Subscribe this browser to Web Push (--push)', request: { body: { content: { 'application/json': { schema: notify.pushSubscriptionInput } } } }, responses: { 200: json(notify.notificationsBody, 'Subscribed'), 400: errors[400], 401: errors[401], 404: error('Web Push is off (NOT_FOUND)') } },
  { method: 'delete', path: '/api/notifications/push', summary: 'Unsubscribe a browser', request: { body: { content: { 'application/json': { schema: notify.pushUnsubscribeInput } } } }, responses: { 200: json(notify.notificationsBody, 'Unsubscribed'), 400: errors[400], 401: errors[401] } },
  { method: 'get', path: '/api/presence', summary: 'Who is online, and when others were last seen', responses: { 200: json(wire.presenceBody, 'Presence across the servers sharing the data folder') } },
  {
    method: 'get',
    path: '/api/activity',
    summary: 'The activity log, oldest first: the last entries, those after `after`, or filtered and paged backwards (`before`); `format=csv` for a spreadsheet',
    request: { query: activityQuery },
    responses: { 200: { description: 'At most `limit` entries', content: { 'application/json': { schema: wire.activityBody }, 'text/csv': { schema: z.string() } } }, 400: errors[400] },
  },
  { method: 'get', path: '/api/files/{name}/history', summary: 'A file\'s holds, newest first, with statistics over all of them', request: { params: name, query: historyQuerySchema }, responses: { 200: json(wire.historyBody, 'Holds and statistics'), 400: errors[400], 404: errors[404] } },
  { method: 'get', path: '/api/files/{name}/states', summary: 'A file\'s release state changes, newest first', request: { params: name }, responses: { 200: json(wire.statesBody, 'The changes'), 404: errors[404] } },
  { method: 'get', path: '/api/files/{name}/versions', summary: 'A file\'s versions, newest first', request: { params: name }, responses: { 200: json(wire.versionsBody, 'The versions'), 404: errors[404] } },
  { method: 'get', path: '/api/files/{name}/versions/{n}/content', summary: 'One version\'s bytes', request: { params: nameAndVersion }, responses: { 200: bytes('The content of that version'), 400: errors[400], 404: errors[404] } },
  {
    method: 'post',
    path: '/api/files/{name}/versions/{n}/restore',
    summary: 'Make an old version current (the holder only), as a new version',
    request: { params: nameAndVersion, body: { required: false, content: { 'application/json': { schema: restoreSchema.unwrap() } } } },
    responses: { 200: json(wire.versionBody, 'Restored'), 403: error('NOT_LOCK_OWNER'), 404: errors[404], 409: error('NOT_LOCKED') },
  },
  {
    method: 'put',
    path: '/api/files/{name}/content',
    summary: 'Upload a new version (the holder only)',
    request: { params: name, body: { content: { 'application/octet-stream': { schema: z.string().meta({ format: 'binary' }) } } } },
    responses: { 200: json(wire.versionBody, 'The new version'), 403: error('NOT_LOCK_OWNER'), 409: error('NOT_LOCKED'), 413: error('PAYLOAD_TOO_LARGE') },
  },
  { method: 'get', path: '/api/session', summary: 'Who am I (and which mode)', responses: { 200: json(wire.sessionBody, 'The caller'), 401: json(wire.signInNeeded, 'Not signed in; `directory` names the directory the form signs in to') } },
  {
    method: 'post',
    path: '/api/session',
    summary: 'Sign in (users mode): a cookie for the page, a token for scripts',
    request: { body: { content: { 'application/json': { schema: signInSchema } } } },
    responses: { 200: json(wire.signInBody, 'Signed in'), 401: error('Wrong name or password'), 404: error('Open mode'), 429: error('Too many failed sign-ins (Retry-After)'), 503: error('DIRECTORY_UNAVAILABLE') },
  },
  { method: 'delete', path: '/api/session', summary: 'Sign out', responses: { 204: { description: 'Signed out; the cookie and token no longer work' } } },
  { method: 'get', path: '/api/metrics', summary: 'Process figures (JSON) for the benchmarks and soak', responses: { 200: json(z.looseObject({ rss_bytes: z.number(), open_fds: z.number().nullable(), sockets: z.number() }), 'Figures') } },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics', responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } } } },
  { method: 'get', path: '/api/openapi.json', summary: 'This description', responses: { 200: json(z.looseObject({ openapi: z.string() }), 'OpenAPI 3.1') } },
  { method: 'post', path: '/api/lfs/locks', summary: 'Git LFS: create a lock', request: { body: { content: { 'application/vnd.git-lfs+json': { schema: createSchema } } } }, responses: { 201: lfsJson(wire.lfs.created, 'Locked'), 409: lfsJson(wire.lfs.error, 'Already locked') } },
  { method: 'get', path: '/api/lfs/locks', summary: 'Git LFS: list locks', request: { query: listQuery }, responses: { 200: lfsJson(wire.lfs.list, 'Locks') } },
  { method: 'post', path: '/api/lfs/locks/verify', summary: 'Git LFS: ours and theirs', request: { body: { content: { 'application/vnd.git-lfs+json': { schema: verifySchema } } } }, responses: { 200: lfsJson(wire.lfs.verify, 'Locks split by owner'), 401: lfsJson(wire.lfs.error, 'Credentials needed') } },
  {
    method: 'post',
    path: '/api/lfs/locks/{id}/unlock',
    summary: 'Git LFS: release a lock',
    request: { params: z.object({ id: z.string() }), body: { required: false, content: { 'application/vnd.git-lfs+json': { schema: unlockSchema.unwrap() } } } },
    responses: { 200: lfsJson(wire.lfs.created, 'Unlocked'), 403: lfsJson(wire.lfs.error, 'Not the owner'), 404: lfsJson(wire.lfs.error, 'No such lock') },
  },
];

/** The OpenAPI 3.1 description of the HTTP API, made from the zod schemas the routes use. */
export function openApiDocument(version: string) {
  const registry = new OpenAPIRegistry();
  for (const route of ROUTES) registry.registerPath({ ...route, tags: [route.path.startsWith('/api/lfs') ? 'Git LFS' : route.path.includes('/versions') || route.path.endsWith('/content') ? 'Versions' : 'Locks'] });
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'PDM Live', version, description: 'Check-out/check-in for a shared folder of CAM programs. Live events: docs/events.md.' },
  });
}

/** `GET /api/openapi.json`, made once. */
export function openApiRoute(version: string): Router {
  const r = Router();
  let doc: ReturnType<typeof openApiDocument> | null = null;
  r.get('/openapi.json', (_req, res) => {
    doc ??= openApiDocument(version);
    res.json(doc);
  });
  return r;
}
