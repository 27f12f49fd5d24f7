import type { VaultSpelling } from '../files/file-commands.js';
import { Router, type Request } from 'express';
import type { FilesMutationBody, FileStatus, HealthBody, NudgeBody, LocksBody, MutationBody, PresenceBody, UndoBody } from '../../shared/protocol.js';
import type { UndoCheckout } from '../files/undo-checkout.js';
import type { Identity } from '../auth/identity.js';
import type { FileBoard } from '../files/file-board.js';
import { checkinManySchema, checkinSchema, checkoutManySchema, checkoutSchema, namesSeveral, parseInput, unwaitSchema, waitSchema } from '../files/command-schemas.js';
import type { Nudges } from '../files/nudges.js';
import type { Presence } from '../realtime/presence.js';
import type { FileCommands } from '../files/file-commands.js';
import { existingTracked, type VaultLayout } from '../vault/vault-paths.js';
import type { CallerOf } from './caller.js';
import { jsonBody } from './json-body.js';
import { revisionJson } from './revision-json.js';
import { sendBytes } from './version-routes.js';

export interface FilesRoutesDeps {
  layout: VaultLayout;
  board: FileBoard;
  commands: FileCommands;
  identity: Identity;
  callerOf: CallerOf;
  nudges: Nudges;
  presence: Presence;
  bodyLimit: string;
  /** The version routes, mounted where the session check covers them and before `/files/*name`. */
  versions: Router;
  /** The activity and history routes, the same way. */
  activityRoutes: Router;
  undo: UndoCheckout;
  spelling: VaultSpelling;
}

const nameOf = (req: Request) => (req.params as { name: string[] }).name.join('/');

/** The files API (README.md, HTTP API): thin handlers over FileCommands and FileBoard. */
export function filesRoutes(d: FilesRoutesDeps): Router {
  const r = Router();
  const json = jsonBody(d.bodyLimit);

  // Users mode: every read needs a session too (checked before any body is parsed).
  if (d.identity.mode === 'users') {
    r.use(async (req, _res, next) => {
      if (req.path === '/health' || req.path === '/session' || req.path === '/openapi.json') {
        next();
        return;
      }
      await d.identity.fromHttp(req.headers);
      next();
    });
  }

  r.get('/health', (_req, res) => {
    res.json(d.board.health() satisfies HealthBody);
  });

  r.get('/files', revisionJson(() => d.board.getRevision(), () => d.board.filesJson()));

  r.get('/locks', (_req, res) => {
    res.json({ revision: d.board.getRevision(), locks: d.board.locks() } satisfies LocksBody);
  });

  r.post('/files/checkout', json, async (req, res) => {
    if (namesSeveral(req.body)) {
      const body = parseInput(checkoutManySchema, req.body);
      const files = await d.commands.checkoutMany(await d.callerOf(req, body.user), body);
      res.json({ success: true, files } satisfies FilesMutationBody);
      return;
    }
    const body = parseInput(checkoutSchema, req.body);
    const file = await d.commands.checkout(await d.callerOf(req, body.user), body);
    res.json({ success: true, file } satisfies MutationBody);
  });

  r.post('/files/checkin', json, async (req, res) => {
    if (namesSeveral(req.body)) {
      const body = parseInput(checkinManySchema, req.body);
      const files = await d.commands.checkinMany(await d.callerOf(req, body.user), body);
      res.json({ success: true, files } satisfies FilesMutationBody);
      return;
    }
    const body = parseInput(checkinSchema, req.body);
    const done = await d.undo.checkinOrUndo(await d.callerOf(req, body.user), body);
    res.json({ success: true, ...done } satisfies MutationBody | UndoBody);
  });

  r.post('/files/wait', json, async (req, res) => {
    const body = parseInput(waitSchema, req.body);
    const file = await d.commands.wait(await d.callerOf(req, body.user), body);
    res.json({ success: true, file } satisfies MutationBody);
  });

  r.post('/files/unwait', json, async (req, res) => {
    const body = parseInput(unwaitSchema, req.body);
    const file = await d.commands.unwait(await d.callerOf(req, body.user), body);
    res.json({ success: true, file } satisfies MutationBody);
  });

  r.post('/files/nudge', json, async (req, res) => {
    const body = parseInput(waitSchema, req.body);
    const sent = await d.nudges.nudge(await d.callerOf(req, body.user), body);
    res.json({ success: true, ...sent } satisfies NudgeBody);
  });

  r.get('/presence', (_req, res) => {
    res.json({ users: d.presence.list() } satisfies PresenceBody);
  });

  r.use(d.versions);
  r.use(d.activityRoutes);

  r.get('/files/*name/content', async (req, res) => {
    const name = await d.spelling.locate(nameOf(req));
    const { abs, stat } = await existingTracked(d.layout, name);
    sendBytes(res, name, abs, stat.size);
  });

  r.get('/files/*name', (req, res) => {
    res.json(d.commands.get(nameOf(req)) satisfies FileStatus);
  });

  return r;
}
