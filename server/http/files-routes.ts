import { jsonBody } from './json-body.js';
import { createReadStream } from 'node:fs';
import { Router, type Request } from 'express';
import type { Identity } from '../auth/identity.js';
import type { ActivityLog } from '../activity/activity-log.js';
import { AppError } from '../errors.js';
import type { FileBoard } from '../files/file-board.js';
import { activityQuerySchema, checkinSchema, checkoutSchema, parseInput } from '../files/command-schemas.js';
import type { FileCommands } from '../files/file-commands.js';
import { statTracked, vaultPath, type VaultLayout } from '../vault/vault-paths.js';
import { revisionJson } from './revision-json.js';
import type { versionHandlers } from '../versions/version-routes.js';

export interface FilesRoutesDeps {
  layout: VaultLayout;
  board: FileBoard;
  commands: FileCommands;
  activity: ActivityLog;
  identity: Identity;
  bodyLimit: string;
  versions: ReturnType<typeof versionHandlers>;
}

/** The files API (README.md, HTTP API): thin handlers over FileCommands and FileBoard. */
export function filesRoutes(d: FilesRoutesDeps): Router {
  const r = Router();
  const json = jsonBody(d.bodyLimit);
  const caller = (req: Request, claimed?: string) => d.identity.fromHttp(req.headers, claimed);

  // Users mode: every read needs a session too (checked before any body is parsed).
  if (d.identity.mode === 'users') {
    r.use(async (req, _res, next) => {
      if (req.path === '/health' || req.path === '/session') { next(); return; }
      await d.identity.fromHttp(req.headers);
      next();
    });
  }

  r.get('/health', (_req, res) => {
    res.json(d.board.health());
  });

  r.get('/files', revisionJson(() => d.board.getRevision(), () => d.board.filesJson()));

  r.get('/locks', (_req, res) => {
    res.json({ revision: d.board.getRevision(), locks: d.board.locks() });
  });

  r.post('/files/checkout', json, async (req, res) => {
    const body = parseInput(checkoutSchema, req.body);
    const file = await d.commands.checkout(await caller(req, body.user), body);
    res.json({ success: true, file });
  });

  r.post('/files/checkin', json, async (req, res) => {
    const body = parseInput(checkinSchema, req.body);
    const file = await d.commands.checkin(await caller(req, body.user), body);
    res.json({ success: true, file });
  });

  r.get('/activity', async (req, res) => {
    const q = parseInput(activityQuerySchema, req.query);
    res.json({ events: await d.activity.query(q.limit ?? 100, q.after) });
  });

  // Names may contain `/`, encoded or not: take the whole rest of the path, then read the
  // action from its end (a tracked file name always has an extension, so no clash).
  r.get('/files/*name', async (req, res) => {
    const parts = (req.params).name;
    const n = parts.length;
    if (n > 3 && parts[n - 1] === 'content' && parts[n - 3] === 'versions') {
      return d.versions.download(req, res, parts.slice(0, -3).join('/'), parts[n - 2]!);
    }
    if (n > 1 && parts[n - 1] === 'versions') return d.versions.list(req, res, parts.slice(0, -1).join('/'));
    if (n > 1 && parts[n - 1] === 'content') {
      const name = parts.slice(0, -1).join('/');
      const abs = vaultPath(d.layout, name);
      const stat = await statTracked(d.layout, abs);
      if (!stat) throw new AppError('FILE_NOT_FOUND', `No tracked file named ${name} in the vault.`);
      res.attachment(name.split('/').pop());
      res.setHeader('Content-Type', 'application/octet-stream');
      res.setHeader('Content-Length', String(stat.size));
      createReadStream(abs).on('error', (err) => res.destroy(err)).pipe(res);
      return;
    }
    res.json(d.commands.get(parts.join('/')));
  });

  r.put('/files/*name', async (req, res) => {
    const parts = (req.params).name;
    if (parts.length < 2 || parts.at(-1) !== 'content') throw new AppError('NOT_FOUND', 'PUT goes to /api/files/{name}/content.');
    await d.versions.upload(req, res, parts.slice(0, -1).join('/'));
  });

  r.post('/files/*name', async (req, res) => {
    const parts = (req.params).name;
    const n = parts.length;
    if (n < 4 || parts[n - 1] !== 'restore' || parts[n - 3] !== 'versions') throw new AppError('NOT_FOUND', `No API route POST ${req.path}.`);
    await d.versions.restore(req, res, parts.slice(0, -3).join('/'), parts[n - 2]!);
  });

  return r;
}
