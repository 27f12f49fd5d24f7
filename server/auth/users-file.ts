import { stat } from 'node:fs/promises';
import { readTextFile } from '../storage/text-files.js';
import { z } from 'zod';
import { writeFileAtomic, fsyncDirectory } from '../storage/durable-files.js';
import { dirname } from 'node:path';
import { foldName } from './name-fold.js';

export type Role = 'user' | 'admin';

const userSchema = z.object({ name: z.string().min(1).max(100), role: z.enum(['user', 'admin']), hash: z.string().startsWith('scrypt$'), email: z.email().max(254).optional() });
const fileSchema = z.object({ users: z.array(userSchema) });
export type UserRecord = z.infer<typeof userSchema>;

/** An address the users file takes as `email`. */
export const isEmail = (text: string): boolean => userSchema.shape.email.safeParse(text).success;

/** Same rule as open-mode names: 1 to 100 characters, no control characters, no `$`. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it refuses
export const USER_NAME = /^[^\u0000-\u001f\u007f$]{1,100}$/;

export async function readUsers(file: string): Promise<UserRecord[]> {
  let text: string;
  try {
    text = await readTextFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not valid JSON`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${file} is not a PDM Live users file`);
  return parsed.data.users;
}

/** Atomic and durable; only hashes are stored, and the file is readable by its owner only. */
export async function writeUsers(file: string, users: UserRecord[]): Promise<void> {
  await writeFileAtomic(file, JSON.stringify({ users }, null, 2) + '\n', { mode: 0o600 });
  await fsyncDirectory(dirname(file));
}

/**
 * The users file as the server sees it: re-read when its stat changes, so `pdm-live user add`
 * and `remove` take effect on a running server (a removed user's sessions stop working).
 */
export class UsersDirectory {
  private users = new Map<string, UserRecord>();
  /** By folded name; null where two names of the file fold together (then only the exact one is found). */
  private folded = new Map<string, UserRecord | null>();
  private sig = '';
  private loaded = false;
  /** Why the file as it is now is not used (the last good one is), or null. */
  problem: string | null = null;

  constructor(
    readonly file: string,
    private readonly onProblem: (problem: string | null) => void = () => undefined,
  ) {}

  /** Whether the users file as last read has `name`, in any spelling (no re-read: for rules that cannot wait). */
  has(name: string): boolean {
    return this.find(name) !== undefined;
  }

  /** The user `name` is, in any spelling that folds to theirs (`Carol`, `ＣＡＲＯＬ`: carol). */
  async get(name: string): Promise<UserRecord | undefined> {
    await this.reload();
    return this.find(name);
  }

  /** Everyone in the file as last read, after a re-read when it changed. */
  async all(): Promise<UserRecord[]> {
    await this.reload();
    return [...this.users.values()];
  }

  private find(name: string): UserRecord | undefined {
    return this.users.get(name) ?? this.folded.get(foldName(name)) ?? undefined;
  }

  /**
   * Re-reads the file when its stat changed. A file that is broken (a bad hand edit, a cut
   * write) keeps the last good list in force and says so once (`problem`); with no good list
   * yet (the server's start) it throws.
   */
  async reload(): Promise<void> {
    const s = await stat(this.file).catch(() => null);
    const sig = s ? `${s.ino}:${s.size}:${s.mtimeMs}` : 'missing';
    if (sig === this.sig) return;
    this.sig = sig;
    let list: UserRecord[];
    try {
      list = await readUsers(this.file);
    } catch (err) {
      if (!this.loaded) throw err;
      this.problem = `${(err as Error).message}: the users as last read are still in force until it is fixed`;
      this.onProblem(this.problem);
      return;
    }
    this.users = new Map(list.map((u) => [u.name, u]));
    this.folded = new Map();
    for (const u of list) {
      const key = foldName(u.name);
      this.folded.set(key, this.folded.has(key) ? null : u);
    }
    this.loaded = true;
    if (this.problem !== null) this.onProblem(null);
    this.problem = null;
  }
}
