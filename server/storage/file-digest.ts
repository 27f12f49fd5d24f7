import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** A file's sha256 in hex, read as a stream (a program may be large). */
export function fileSha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
