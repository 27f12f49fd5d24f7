import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, constants as fsc, mkdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { lockFile } from '../locks/file-lock.js';
import type { Version } from '../../shared/protocol.js';
import { writeFileAtomic } from '../locks/atomic-write.js';

interface FileVersions {
  name: string;
  next: number;
  /** Oldest first. */
  versions: Version[];
}

export interface RecordOptions {
  user: string | null;
  comment?: string | null;
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Every saved version of every file, under `<data>/versions/<hash of name>/`: `versions.json` and
 * one blob per distinct content (named by its sha256, so identical content is stored once).
 * Each file's history is changed under its own inter-process lock, so servers sharing the data
 * folder record a save once.
 */
export class VersionStore {
  constructor(
    private readonly dir: string,
    private readonly keep: number,
  ) {}

  private folder(name: string): string {
    return join(this.dir, createHash('sha256').update(name).digest('hex').slice(0, 32));
  }

  private async read(name: string): Promise<FileVersions> {
    try {
      return JSON.parse(await readFile(join(this.folder(name), 'versions.json'), 'utf8')) as FileVersions;
    } catch {
      return { name, next: 1, versions: [] };
    }
  }

  private async locked<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const folder = this.folder(name);
    await mkdir(folder, { recursive: true });
    const release = await lockFile(join(folder, 'versions.json'));
    try {
      return await fn();
    } finally {
      await release().catch(() => undefined);
    }
  }

  /** Newest first. */
  async list(name: string): Promise<Version[]> {
    return (await this.read(name)).versions.slice().reverse();
  }

  async get(name: string, n: number): Promise<{ version: Version; blob: string } | null> {
    const v = (await this.read(name)).versions.find((x) => x.number === n);
    return v ? { version: v, blob: join(this.folder(name), v.sha256) } : null;
  }

  /**
   * Stores the file's current content as a new version unless it equals the newest one (then
   * null). `source` may be a different file than the vault path (an upload's temp file).
   */
  async record(name: string, source: string, opts: RecordOptions): Promise<Version | null> {
    const sha = await sha256File(source);
    return this.locked(name, async () => {
      const h = await this.read(name);
      if (h.versions.at(-1)?.sha256 === sha) return null;
      const folder = this.folder(name);
      const blob = join(folder, sha);
      const exists = await stat(blob).then(() => true, () => false);
      if (!exists) {
        const tmp = `${blob}.${randomBytes(4).toString('hex')}.tmp`;
        // A clone where the file system can (no extra space), a copy elsewhere.
        await copyFile(source, tmp, fsc.COPYFILE_FICLONE);
        await rename(tmp, blob);
      }
      const size = (await stat(blob)).size;
      const version: Version = { number: h.next, user: opts.user, at: new Date().toISOString(), size_bytes: size, sha256: sha, comment: opts.comment ?? null };
      h.next += 1;
      h.versions.push(version);
      const dropped = h.versions.splice(0, Math.max(0, h.versions.length - this.keep));
      await writeFileAtomic(join(folder, 'versions.json'), JSON.stringify(h, null, 2) + '\n');
      for (const d of dropped) if (!h.versions.some((v) => v.sha256 === d.sha256)) await unlink(join(folder, d.sha256)).catch(() => undefined);
      return version;
    });
  }

  /** Gives the newest version made by `user` since `since` a comment (a check-in's comment). */
  async comment(name: string, user: string, since: string, comment: string): Promise<void> {
    await this.locked(name, async () => {
      const h = await this.read(name);
      const v = h.versions.at(-1);
      if (!v || v.user !== user || v.at < since || v.comment) return;
      v.comment = comment;
      await writeFileAtomic(join(this.folder(name), 'versions.json'), JSON.stringify(h, null, 2) + '\n');
    });
  }
}
