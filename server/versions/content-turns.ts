import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_STALE_MS, lockFile } from '../storage/file-lock.js';
import { EXACT_NAMES, type NameRules } from '../vault/name-rules.js';
import { historyFolder } from './version-files.js';

/**
 * Content operations on one file take turns: an upload, a restore, an undo, a check-in's record
 * and the record of a save seen on disk run one at a time per file, in the order asked on this
 * server, and across servers under the file's lock in the data folder (`<history>/content.lock`).
 * Without turns, two uploads in flight could each be answered with the other's version, and an
 * undo could release a lock whose file an upload then replaced.
 */
export class ContentTurns {
  private readonly tails = new Map<string, Promise<unknown>>();
  /** History folders known to exist (made once; a file's history folder is never removed). */
  private readonly made = new Set<string>();

  constructor(
    /** `<data>/versions`. */
    private readonly dir: string,
    private readonly rules: NameRules = EXACT_NAMES,
    private readonly staleMs = DEFAULT_STALE_MS,
  ) {}

  /** Runs `work` when it is `name`'s turn; the next operation on `name` waits for it to end. */
  run<T>(name: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(name) ?? Promise.resolve();
    const mine = before.then(() => this.locked(name, work));
    const tail = mine.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(name, tail);
    void tail.then(() => {
      if (this.tails.get(name) === tail) this.tails.delete(name);
    });
    return mine;
  }

  private async locked<T>(name: string, work: () => Promise<T>): Promise<T> {
    const folder = historyFolder(this.dir, name, this.rules);
    if (!this.made.has(folder)) {
      await mkdir(folder, { recursive: true });
      if (this.made.size > 100_000) this.made.clear();
      this.made.add(folder);
    }
    const release = await lockFile(join(folder, 'content'), { staleMs: this.staleMs });
    try {
      return await work();
    } finally {
      await release().catch(() => undefined);
    }
  }
}
