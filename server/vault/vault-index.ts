import { lstat, opendir, readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { compareNames, fileNameProblem } from '../../shared/file-names.js';
import { EXACT_NAMES, folds, nameKey, type NameRules } from './name-rules.js';
import { isInside, nameOf, statTracked, type VaultFileStat, type VaultLayout } from './vault-paths.js';

export type VaultChange =
  | { kind: 'added' | 'changed'; name: string; stat: VaultFileStat }
  | { kind: 'removed'; name: string };

/** The tracked files of the vault, by name, as last seen on disk. */
export class VaultIndex {
  private files = new Map<string, VaultFileStat>();
  private sorted: string[] | null = null;
  /** Each file's name by its key (see nameKey), on a vault where spellings fold; else empty. */
  private byKey = new Map<string, string>();

  constructor(
    readonly layout: VaultLayout,
    readonly rules: NameRules = EXACT_NAMES,
  ) {}

  /**
   * The file `name` means, as spelled on disk: on a vault that does not tell case or Unicode form
   * apart, any spelling of an indexed file gives the disk's; otherwise (or when no file matches)
   * the name as given. A map lookup, no disk call.
   */
  spelling(name: string): string {
    if (!folds(this.rules) || this.files.has(name)) return name;
    return this.byKey.get(nameKey(this.rules, name)) ?? name;
  }

  /**
   * `spelling`, and for a file the index has not seen yet (made a moment ago) the disk's own
   * spelling, folder by folder; the name as given when nothing on disk matches.
   */
  async locate(name: string): Promise<string> {
    const known = this.spelling(name);
    if (known !== name || !folds(this.rules) || this.files.has(name)) return known;
    const parts: string[] = [];
    let dir = this.layout.root;
    for (const part of name.split('/')) {
      const want = nameKey(this.rules, part);
      const entries = await readdir(dir).catch(() => [] as string[]);
      const found = entries.includes(part) ? part : entries.find((e) => nameKey(this.rules, e) === want);
      if (found === undefined) return name;
      parts.push(found);
      dir = join(dir, found);
    }
    return parts.join('/');
  }

  /** On a folding vault a path in another spelling still stats: only the entry as listed is the file. */
  private async listedAs(abs: string): Promise<boolean> {
    if (!folds(this.rules)) return true;
    return (await readdir(dirname(abs)).catch(() => [] as string[])).includes(basename(abs));
  }

  private keyed(name: string, present: boolean): void {
    if (!folds(this.rules)) return;
    const key = nameKey(this.rules, name);
    if (present) this.byKey.set(key, name);
    else if (this.byKey.get(key) === name) this.byKey.delete(key);
  }

  /** Walks the whole vault (links are not followed; the data folder is skipped). */
  async scan(): Promise<VaultChange[]> {
    const seen = new Map<string, VaultFileStat>();
    await this.walk(this.layout.root, seen);
    const changes: VaultChange[] = [];
    for (const [name, stat] of seen) {
      const old = this.files.get(name);
      if (!old) changes.push({ kind: 'added', name, stat });
      else if (old.size !== stat.size || old.mtimeMs !== stat.mtimeMs) changes.push({ kind: 'changed', name, stat });
    }
    for (const name of this.files.keys()) if (!seen.has(name)) changes.push({ kind: 'removed', name });
    this.files = seen;
    this.sorted = null;
    this.byKey.clear();
    for (const name of seen.keys()) this.keyed(name, true);
    return changes;
  }

  private async walk(dir: string, out: Map<string, VaultFileStat>): Promise<void> {
    let handle;
    try {
      handle = await opendir(dir);
    } catch {
      return;
    }
    const subs: string[] = [];
    const files: [string, string][] = [];
    for await (const ent of handle) {
      const abs = join(dir, ent.name);
      if (ent.isDirectory()) {
        if (!isInside(this.layout.dataDir, abs)) subs.push(abs);
      } else if (ent.isFile()) {
        const name = nameOf(this.layout, abs);
        if (!fileNameProblem(name, this.layout.extensions)) files.push([name, abs]);
      }
    }
    // One folder's stats in parallel (libuv's pool does four at a time): a sequential walk of
    // 100,000 files took several seconds before the server could listen.
    const stats = await Promise.all(files.map(([, abs]) => lstat(abs).catch(() => null)));
    files.forEach(([name], i) => {
      // No link was followed to get here, so the path is real: a plain lstat is enough.
      const st = stats[i];
      if (st?.isFile()) out.set(name, { size: st.size, mtimeMs: st.mtimeMs });
    });
    for (const sub of subs) await this.walk(sub, out);
  }

  /** Re-stats one path (absolute) and records what changed, if anything. */
  async update(abs: string): Promise<VaultChange | null> {
    const name = nameOf(this.layout, abs);
    if (fileNameProblem(name, this.layout.extensions) || isInside(this.layout.dataDir, abs)) return null;
    const stat = (await this.listedAs(abs)) ? await statTracked(this.layout, abs) : null;
    const old = this.files.get(name);
    if (!stat) {
      if (!old) return null;
      this.files.delete(name);
      this.keyed(name, false);
      this.sorted = null;
      return { kind: 'removed', name };
    }
    if (old && old.size === stat.size && old.mtimeMs === stat.mtimeMs) return null;
    if (!old) this.sorted = null;
    this.files.set(name, stat);
    this.keyed(name, true);
    return { kind: old ? 'changed' : 'added', name, stat };
  }

  /**
   * Walks one folder (a new one, say) and records what it holds: the watcher can miss files
   * written into a folder before it started watching that folder.
   */
  async scanDir(abs: string): Promise<VaultChange[]> {
    if (isInside(this.layout.dataDir, abs) || !isInside(this.layout.root, abs)) return [];
    const seen = new Map<string, VaultFileStat>();
    await this.walk(abs, seen);
    const changes: VaultChange[] = [];
    for (const [name, stat] of seen) {
      const old = this.files.get(name);
      if (old && old.size === stat.size && old.mtimeMs === stat.mtimeMs) continue;
      if (!old) this.sorted = null;
      this.files.set(name, stat);
      this.keyed(name, true);
      changes.push({ kind: old ? 'changed' : 'added', name, stat });
    }
    return changes;
  }

  /** Names of every file below a folder the watcher says is gone. */
  namesUnder(abs: string): string[] {
    const prefix = nameOf(this.layout, abs) + '/';
    return [...this.files.keys()].filter((n) => n.startsWith(prefix));
  }

  get(name: string): VaultFileStat | undefined {
    return this.files.get(name);
  }

  get size(): number {
    return this.files.size;
  }

  /** Names in code-point order (cached until the set of names changes). */
  names(): string[] {
    this.sorted ??= [...this.files.keys()].sort(compareNames);
    return this.sorted;
  }
}
