import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';

/** Suffix of upload temp files: not a tracked extension, so watchers ignore them. */
export const UPLOAD_SUFFIX = '.pdm-upload';

/**
 * Streams a request body to a temp file beside `target` (same folder, so the final rename is
 * atomic), refusing more than `limit` bytes. On any failure, including the client going away
 * half-way, the temp file is removed and an error thrown.
 */
export async function receiveUpload(req: IncomingMessage, target: string, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw new AppError('PAYLOAD_TOO_LARGE', `The upload is over the limit of ${limit} bytes.`);
  const tmp = join(dirname(target), `.${basename(target)}.${randomBytes(4).toString('hex')}${UPLOAD_SUFFIX}`);
  const out = createWriteStream(tmp, { flags: 'wx', mode: 0o644 });
  let received = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let done = false;
      const fail = (err: Error) => {
        if (done) return;
        done = true;
        req.unpipe(out);
        out.destroy();
        reject(err);
      };
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > limit) fail(new AppError('PAYLOAD_TOO_LARGE', `The upload is over the limit of ${limit} bytes.`));
      });
      req.on('aborted', () => fail(new AppError('INVALID_REQUEST', 'The upload was cut off before it ended.')));
      req.on('close', () => {
        if (!req.complete) fail(new AppError('INVALID_REQUEST', 'The upload was cut off before it ended.'));
      });
      req.on('error', fail);
      out.on('error', fail);
      out.on('finish', () => {
        if (done) return;
        done = true;
        resolve();
      });
      req.pipe(out);
    });
    // Durable before it replaces the file.
    const { open } = await import('node:fs/promises');
    const fh = await open(tmp, 'r+');
    await fh.sync();
    await fh.close();
    return tmp;
  } catch (err) {
    await new Promise((r) => out.close(r));
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
