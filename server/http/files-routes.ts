import type { VaultSpelling } from '../files/file-commands.js';
import { Router, type Request, type RequestHandler } from 'express';
import type { StateCommands } from '../states/state-commands.js';
import type { FileStatus, HealthBody, LocksBody, PresenceBody, StatesBody } from '../../shared/protocol.js';
import type { UndoCheckout } from '../versions/undo-checkout.js';
import type { FileBoard } from '../files/file-board.js';
import { parseInput } from '../files/command-schemas.js';
import { COMMANDS, variantOf } from '../commands/command-table.js';
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
  states: StateCommands;
  /** Before a command that `signs`: a wrong password counts as a failed sign-in (signInLimits). */
  signatures: RequestHandler[];
}

const nameOf = (req: Request) => (req.params as { name: string[] }).name.join('/');

/** `GET /api/health`: open to anyone in either mode (monitors, the page before sign-in). */
export function healthRoute(board: FileBoard): Router {
  return Router().get('/health', (_req, res) => {
    res.json(board.health() satisfies HealthBody);
  });
}

/**
 * The files API (README.md, HTTP API): thin handlers over FileCommands and FileBoard. Mount it
 * behind `sessionGuard`: every answer here needs a session in users mode.
 */
export function filesRoutes(d: FilesRoutesDeps): Router {
  const r = Router();
  const json = jsonBody(d.bodyLimit);

  r.get('/files', revisionJson(() => d.board.getRevision(), () => d.board.filesJson()));

  r.get('/locks', (_req, res) => {
    res.json({ revision: d.board.getRevision(), locks: d.board.locks() } satisfies LocksBody);
  });

  // The commands: one route each, from the command table (the socket hub loops over it too).
  for (const spec of COMMANDS) {
    const byName = spec.path === 'name';
    r.post(byName ? `/files/*name/${spec.name}` : `/files/${spec.name}`, json, ...(spec.signs ? d.signatures : []), async (req, res) => {
      const body: unknown = byName ? { ...(req.body as object), filename: nameOf(req) } : req.body;
      const v = variantOf(spec, body);
      const input = parseInput(v.schema, body) as { user?: string };
      res.json({ success: true, ...(await v.run(d, await d.callerOf(req, input.user), input as never)) });
    });
  }

  r.get('/presence', (_req, res) => {
    res.json({ users: d.presence.list() } satisfies PresenceBody);
  });

  r.use(d.versions);
  r.use(d.activityRoutes);

  r.get('/files/*name/states', async (req, res) => {
    res.json({ changes: await d.states.changes(nameOf(req)) } satisfies StatesBody);
  });

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
