import type { VaultSpelling } from '../files/file-commands.js';
import { createReadStream } from 'node:fs';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { VersionBody, VersionsBody } from '../../shared/protocol.js';
import type { FileBoard } from '../files/file-board.js';
import { parseInput, userName } from '../files/command-schemas.js';
import type { VersionContent } from '../versions/version-content.js';
import type { CallerOf } from './caller.js';
import { jsonBody } from './json-body.js';

export interface VersionRoutesDeps {
  content: VersionContent;
  board: FileBoard;
  callerOf: CallerOf;
  /** Names as the disk spells them (one file, whatever the spelling). */
  spelling: VaultSpelling;
}

/** A version number in a path: 1 and up. */
export const versionNumber = z.string().regex(/^[1-9]\d{0,9}$/, 'must be a version number (1 and up)').transform(Number);
/** POST …/versions/{n}/restore: the body may name the caller (open mode), like every mutation's. */
export const restoreSchema = z.object({ user: userName.optional() }).optional();

const pathName = (req: Request) => (req.params as { name: string[] }).name.join('/');
const numberOf = (req: Request) => parseInput(versionNumber, (req.params as { n: string }).n);

/** A file's bytes as a download. */
export function sendBytes(res: Response, name: string, path: string, size: number): void {
  res.attachment(name.split('/').pop());
  res.setHeader('Content-Type', 'application/octet-stream');
  res.setHeader('Content-Length', String(size));
  createReadStream(path).on('error', (err) => res.destroy(err)).pipe(res);
}

/**
 * Versions (README.md, Versions): upload a new version, list, download and restore versions.
 * Names may contain `/`, encoded or not (`*name`); a tracked name always has an extension, so
 * `versions` and `content` never clash with one. Mounted before the plain `/files/*name` routes.
 */
export function versionRoutes(d: VersionRoutesDeps): Router {
  const r = Router();
  const nameOf = (req: Request) => d.spelling.locate(pathName(req));

  r.get('/files/*name/versions/:n/content', async (req, res) => {
    const name = await nameOf(req);
    const found = await d.content.find(name, numberOf(req));
    sendBytes(res, name, found.blob, found.version.size_bytes);
  });

  r.get('/files/*name/versions', async (req, res) => {
    res.json({ versions: await d.content.list(await nameOf(req)) } satisfies VersionsBody);
  });

  r.post('/files/*name/versions/:n/restore', jsonBody('16kb'), async (req, res) => {
    const name = await nameOf(req);
    const n = numberOf(req);
    const body = parseInput(restoreSchema, req.body);
    const version = await d.content.restore(await d.callerOf(req, body?.user), name, n);
    res.json({ success: true, file: d.board.statusOf(name), version } satisfies VersionBody);
  });

  r.put('/files/*name/content', async (req, res) => {
    const name = await nameOf(req);
    const declared = Number(req.headers['content-length'] ?? NaN);
    const version = await d.content.upload(await d.callerOf(req), name, {
      stream: req,
      declaredBytes: Number.isFinite(declared) ? declared : null,
      complete: () => req.complete,
    });
    res.json({ success: true, file: d.board.statusOf(name), version } satisfies VersionBody);
  });

  return r;
}
