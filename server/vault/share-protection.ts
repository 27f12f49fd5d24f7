import { constants as fsc } from 'node:fs';
import { chmod, lstat, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RevisionedEvent } from '../../shared/protocol.js';
import { fsyncDirectory, writeFileAtomic } from '../locks/atomic-write.js';
import { lockFile } from '../locks/file-lock.js';
import type { Logger } from '../logger.js';
import { vaultPath, type VaultLayout } from './vault-paths.js';

/** Every write permission bit (owner, group, others). */
const WRITE_BITS = 0o222;
/** What a checked-out file gets when nothing was recorded for it: owner and group write. */
const DEFAULT_BITS = 0o220;
/** Changes that arrive together are applied together (one write of the record file). */
const BATCH_MS = 20;

export interface ShareProtectionOptions {
  layout: VaultLayout;
  /** Where the record of each file's write bits is kept (shared by servers on the data folder). */
  dataDir: string;
  staleMs?: number;
  logger?: Logger;
  /** Told when a file could not be changed (not permitted), or can again. */
  changed?: (name: string) => void;
}

/** Whether `name` is locked now (the store's view). */
export type IsLocked = (name: string) => boolean;

/**
 * `--protect`: a tracked file that is not checked out has no write permission bit, so an editor
 * on the share cannot save it; a checked-out one gets its bits back. The bits a file had before
 * it was first protected are recorded in `<data>/protected-modes.json` (under an inter-process
 * lock, durably, before the bits are taken away), so a check-out and `pdm-live unprotect` give
 * back what was there. Only the mode changes (owner, times, content and inode stay); links are
 * never followed (the file is opened with O_NOFOLLOW and changed through its descriptor).
 */
export class ShareProtection {
  private readonly file: string;
  private recorded: Record<string, number> = {};
  private recordedSig = '';
  private pending = new Map<string, boolean>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  /** Files whose mode could not be changed (not permitted), with the reason. */
  private readonly refused = new Map<string, string>();

  constructor(
    private readonly o: ShareProtectionOptions,
    private readonly isLocked: IsLocked,
  ) {
    this.file = join(o.dataDir, 'protected-modes.json');
  }

  /** False when the mode of `name` could not be changed: it is not protected. */
  isRefused(name: string): boolean {
    return this.refused.has(name);
  }

  /** For /api/health's detail: the files whose mode could not be changed, or null. */
  problem(): string | null {
    if (this.refused.size === 0) return null;
    const [first, why] = this.refused.entries().next().value!;
    return `${this.refused.size} file(s) could not be made read-only or writable (--protect), e.g. ${first}: ${why}. The server needs to own them (or CAP_FOWNER).`;
  }

  /** Every file as its lock says (at start). */
  reconcile(names: readonly string[]): Promise<void> {
    for (const n of names) this.pending.set(n, !this.isLocked(n));
    return this.flush();
  }

  /** Follows the board: locks taken and released, files added or replaced, whatever made them. */
  follow(events: readonly RevisionedEvent[]): void {
    for (const e of events) {
      if (e.event === 'lock:acquired') this.pending.set(e.data.filename, false);
      else if (e.event === 'lock:released') this.pending.set(e.data.filename, !this.isLocked(e.data.filename));
      else if (e.event === 'file:added' || e.event === 'file:changed') this.pending.set(e.data.file.name, !this.isLocked(e.data.file.name));
    }
    if (this.pending.size > 0) this.timer ??= setTimeout(() => void this.flush(), BATCH_MS);
  }

  /** Resolves once everything asked so far is applied. */
  async settled(): Promise<void> {
    await this.flush();
  }

  private flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = new Map();
    this.running = this.running.then(() => this.apply(batch)).catch((err: unknown) => this.o.logger?.error({ err }, 'protecting files failed'));
    return this.running;
  }

  private async apply(batch: Map<string, boolean>): Promise<void> {
    if (batch.size === 0) return;
    const toProtect: Array<{ name: string; bits: number }> = [];
    const toOpen: string[] = [];
    await inParallel([...batch], async ([name, protect]) => {
      const mode = await this.modeOf(name);
      if (mode === null) return;
      if (protect && (mode & WRITE_BITS) !== 0) toProtect.push({ name, bits: mode & WRITE_BITS });
      else if (!protect && (mode & WRITE_BITS) === 0) toOpen.push(name);
      else this.ok(name);
    });
    await this.readRecord();
    // Recorded before the bits go, and only when they differ from the record (a file checked out
    // and in again has the bits it was given back): the record is rewritten rarely.
    const changed = toProtect.filter((f) => this.recorded[f.name] !== f.bits);
    if (changed.length > 0) await this.record(changed);
    await inParallel(toProtect, ({ name }) => this.change(name, (mode) => mode & ~WRITE_BITS));
    await inParallel(toOpen, (name) => this.change(name, (mode) => mode | (this.recorded[name] ?? DEFAULT_BITS)));
  }

  /** The file's mode, or null when it is not a regular file reached without a link. */
  private async modeOf(name: string): Promise<number | null> {
    try {
      const st = await lstat(vaultPath(this.o.layout, name));
      return st.isFile() ? st.mode & 0o7777 : null;
    } catch {
      return null;
    }
  }

  /** Changes the mode through a descriptor opened without following links. */
  private async change(name: string, next: (mode: number) => number): Promise<void> {
    const abs = vaultPath(this.o.layout, name);
    try {
      if (fsc.O_NOFOLLOW === undefined) {
        // Windows: no O_NOFOLLOW; fs.chmod there sets or clears the read-only attribute.
        const st = await lstat(abs);
        if (!st.isFile()) return;
        await chmod(abs, next(st.mode & 0o7777));
      } else {
        const fh = await open(abs, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
        try {
          const st = await fh.stat();
          if (!st.isFile()) return;
          await fh.chmod(next(st.mode & 0o7777));
        } finally {
          await fh.close();
        }
      }
      this.ok(name);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ELOOP') return; // gone, or a link: nothing to protect
      if (!this.refused.has(name)) {
        this.o.logger?.warn({ err, file: name }, 'cannot change the mode of a file (--protect)');
        this.refused.set(name, code ?? (err as Error).message);
        this.o.changed?.(name);
      }
    }
  }

  private ok(name: string): void {
    if (this.refused.delete(name)) this.o.changed?.(name);
  }

  /** Adds the bits of files about to be protected to the record, durably, under its lock. */
  private async record(files: Array<{ name: string; bits: number }>): Promise<void> {
    const release = await lockFile(this.file, { staleMs: this.o.staleMs, onCompromised: (err) => this.o.logger?.warn({ err }, 'lock on protected-modes.json compromised') });
    try {
      await this.readRecord(true);
      for (const f of files) this.recorded[f.name] = f.bits;
      await writeFileAtomic(this.file, JSON.stringify(this.recorded, null, 1) + '\n');
      await fsyncDirectory(this.o.dataDir);
      this.recordedSig = await signature(this.file);
    } finally {
      await release().catch(() => undefined);
    }
  }

  /** The record as another server may have left it (re-read when its stat changed). */
  private async readRecord(force = false): Promise<void> {
    const sig = await signature(this.file);
    if (!force && sig === this.recordedSig) return;
    this.recorded = await readRecordFile(this.file);
    this.recordedSig = sig;
  }
}

/** Runs `fn` over `items`, at most 32 at a time (a start-up over 100,000 files). */
async function inParallel<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(32, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

async function signature(file: string): Promise<string> {
  const st = await stat(file).catch(() => null);
  return st ? `${st.ino}:${st.size}:${st.mtimeMs}` : 'missing';
}

/** `<data>/protected-modes.json`: file name to its recorded write bits; unreadable counts as empty. */
export async function readRecordFile(file: string): Promise<Record<string, number>> {
  try {
    const data: unknown = JSON.parse(await readFile(file, 'utf8'));
    const out: Record<string, number> = {};
    if (typeof data === 'object' && data !== null) {
      for (const [k, v] of Object.entries(data)) if (k !== '__proto__' && typeof v === 'number' && (v & ~WRITE_BITS) === 0) out[k] = v;
    }
    return out;
  } catch {
    return {};
  }
}

/** `pdm-live unprotect`: every tracked file without write bits gets its recorded ones (or u+w, g+w). */
export async function unprotectAll(layout: VaultLayout, dataDir: string, names: readonly string[]): Promise<{ changed: number; failed: string[] }> {
  const recorded = await readRecordFile(join(dataDir, 'protected-modes.json'));
  let changed = 0;
  const failed: string[] = [];
  for (const name of names) {
    const abs = vaultPath(layout, name);
    try {
      const st = await lstat(abs);
      if (!st.isFile() || (st.mode & WRITE_BITS) !== 0) continue;
      await chmod(abs, (st.mode & 0o7777) | (recorded[name] ?? DEFAULT_BITS));
      changed++;
    } catch (err) {
      failed.push(`${name} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return { changed, failed };
}
