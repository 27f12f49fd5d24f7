import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router } from 'express';

/** The built page at `/`; hashed assets are cached for good, index.html never. */
export function serveWeb(dist: string): Router {
  const r = Router();
  r.use(
    '/assets',
    express.static(join(dist, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false }),
  );
  r.use(express.static(dist, { index: false, maxAge: 0 }));
  r.get('/', (_req, res, next) => {
    const index = join(dist, 'index.html');
    if (!existsSync(index)) { next(); return; }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return r;
}
