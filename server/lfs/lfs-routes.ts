import { jsonBody } from '../http/json-body.js';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { errorHandler } from '../http/error-handler.js';
import { compareNames } from '../../shared/file-names.js';
import { clientKey, type Identity } from '../auth/identity.js';
import { AppError } from '../errors.js';
import type { FileBoard } from '../files/file-board.js';
import { parseInput } from '../files/command-schemas.js';
import type { FileCommands } from '../files/file-commands.js';
import type { Logger } from '../logger.js';
import { lfsCaller } from './lfs-identity.js';
import { createSchema, listQuery, unlockSchema, verifySchema } from '../../shared/lfs-schemas.js';
import { deriveId, lockId, toLfsLock, type LfsLock } from './lfs-lock.js';

const LFS_TYPE = 'application/vnd.git-lfs+json';
const MAX_LIMIT = 1000;

export interface LfsRoutesDeps {
  /** Users mode: the sign-in limits, run on requests with HTTP Basic before the password is checked. */
  signInLimits?: RequestHandler[];
  board: FileBoard;
  commands: FileCommands;
  identity: Identity;
  logger: Logger;
}

function send(res: Response, status: number, body: unknown): void {
  res.status(status).type(LFS_TYPE).send(JSON.stringify(body));
}

/** Pages over locks sorted by path; the cursor is the path to start at, so pages stay stable. */
function page(locks: LfsLock[], cursor: string | undefined, limit: number | undefined) {
  const start = cursor ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const from = cursor ? locks.filter((l) => compareNames(l.path, start) >= 0) : locks;
  const n = Math.min(limit ?? 100, MAX_LIMIT);
  const next = from[n];
  return { items: from.slice(0, n), ...(next ? { next_cursor: Buffer.from(next.path).toString('base64url') } : {}) };
}

/** The Git LFS File Locking API over the same locks as the page and the HTTP API. */
export function lfsRoutes(d: LfsRoutesDeps): Router {
  const r = Router();
  const named = lfsCaller(d.identity);
  // Who pays for the command (CommandBudgets): the user, or in open mode the client's address.
  const caller = async (req: Request) => {
    const who = await named(req.headers);
    return { ...who, client: clientKey(d.identity, who.user, req.ip ?? req.socket.remoteAddress ?? '') };
  };
  const json = jsonBody('64kb');
  if (d.signInLimits) r.use(...d.signInLimits);
  const allLocks = (): LfsLock[] =>
    Object.entries(d.board.locks())
      .map(([path, lock]) => toLfsLock(path, lock))
      .sort((a, b) => compareNames(a.path, b.path));

  r.post('/locks', json, async (req, res) => {
    const who = await caller(req);
    const body = parseInput(createSchema, req.body);
    // The disk's spelling, as Gitea compares lower(path): one file, one lock, on any share.
    const path = await d.commands.name(body.path);
    try {
      const file = await d.commands.checkout(who, { filename: path, extra: (timestamp) => ({ id: deriveId(path, who.user, timestamp) }) });
      send(res, 201, { lock: toLfsLock(path, file.lock!) });
    } catch (err) {
      if (err instanceof AppError && err.code === 'ALREADY_LOCKED' && err.extra.lock) {
        send(res, 409, { lock: toLfsLock(path, err.extra.lock), message: `already created lock: ${err.detail}` });
        return;
      }
      throw err;
    }
  });

  r.get('/locks', async (req, res) => {
    await caller(req);
    const q = parseInput(listQuery, req.query);
    let locks = allLocks();
    if (q.path) {
      const path = await d.commands.name(q.path).catch(() => q.path!);
      locks = locks.filter((l) => l.path === path);
    }
    if (q.id) locks = locks.filter((l) => l.id === q.id);
    const p = page(locks, q.cursor, q.limit);
    send(res, 200, { locks: p.items, ...(p.next_cursor ? { next_cursor: p.next_cursor } : {}) });
  });

  r.post('/locks/verify', json, async (req, res) => {
    const who = await caller(req);
    const body = parseInput(verifySchema, req.body ?? {});
    const p = page(allLocks(), body.cursor, body.limit);
    send(res, 200, {
      ours: p.items.filter((l) => l.owner.name === who.user),
      theirs: p.items.filter((l) => l.owner.name !== who.user),
      ...(p.next_cursor ? { next_cursor: p.next_cursor } : {}),
    });
  });

  r.post('/locks/:id/unlock', json, async (req, res) => {
    const who = await caller(req);
    const body = parseInput(unlockSchema, req.body ?? {}) ?? {};
    const id = req.params.id;
    const found = Object.entries(d.board.locks()).find(([path, lock]) => lockId(path, lock) === id);
    if (!found) throw new AppError('NOT_FOUND', `No lock with id ${String(id)}.`);
    const [path, lock] = found;
    if (lock.user !== who.user && !body.force) throw new AppError('NOT_LOCK_OWNER', `${path} is locked by ${lock.user}; use --force to unlock it as an admin.`);
    await d.commands.checkin(who, { filename: path, force: body.force === true }, (held) => lockId(path, held) === id);
    send(res, 200, { lock: toLfsLock(path, lock) });
  });

  r.use((req, _res, next) => next(new AppError('NOT_FOUND', `No Git LFS route ${req.method} ${req.path}.`)));

  // LFS clients read `message`; 401 carries the header that makes git ask for credentials.
  r.use(
    errorHandler(d.logger, (e, res) => {
      if (e.status === 401) res.setHeader('LFS-Authenticate', 'Basic realm="PDM Live"');
      send(res, e.status, { message: e.detail, code: e.code });
    }),
  );
  return r;
}
