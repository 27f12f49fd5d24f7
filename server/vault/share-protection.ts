import { chmodSync, closeSync, constants as fsc, fchmodSync, fstatSync, lstatSync, openSync } from 'node:fs';
import { chmod, lstat, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RevisionedEvent } from '../../shared/protocol.js';
import { fsyncDirectory, writeFileAtomic } from '../storage/durable-files.js';
import { lockFile } from '../storage/file-lock.js';
import type { Logger } from '../logger.js';
import { vaultPath, type VaultLayout } from './vault-paths.js';

/** Every write permission bit (owner, group, others). */
const WRITE_BITS = 0o222;
/** What a checked-out file gets when nothing was recorded for it: owner and group write. */
const DEFAULT_BITS = 0o220;
/** Changes that arrive together are applied together (one write of the record file). */
const BATCH_MS = 20;
/** Files looked at or changed between two turns of the event loop. */
const SLICE = 64;

/** Runs `fn` (blocking file calls) over `items`, a slice at a time, yielding to the event loop between. */
async function inSlices<T>(items: readonly T[], fn: (item: T) => void): Promise<void> {
  for (let i = 0; i < items.length; i += SLICE) {
    for (const item of items.slice(i, i + SLICE)) fn(item);
    if (i + SLICE < items.length) await new Promise((r) => setImmediate(r));
  }
}

export interface ShareProtectionOptions {
  layout: VaultLayout;
  /** Where the record of each file's write bits is kept (shared by servers on the data folder). */
  dataDir: string;
  staleMs?: number;
  logger?: Logger;
  /** Told when a file could not be changed (not permitted), or can again. */
  changed?: (name: string) => void;
  /** Told, once per batch, of the files that became read-only on disk or writable again. */
  readOnlyChanged?: (names: string[]) => void;
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
  /** Files seen read-only on disk (no write bit; on Windows the read-only attribute) by this server. */
  private readonly readOnly = new Set<string>();
  private flipped: string[] = [];

  constructor(
    private readonly o: ShareProtectionOptions,
    private readonly isLocked: IsLocked,
  ) {
    this.file = join(o.dataDir, 'protected-modes.json');
  }

  /**
   * True only when `name` was read-only on disk when last looked at or changed here: what
   * `"protected"` reports, never only what the server meant to do.
   */
  isReadOnly(name: string): boolean {
    return this.readOnly.has(name);
  }

  /** What a file's `"protected"` says: read-only on disk now, and not checked out. */
  shownProtected(name: string): boolean {
    return !this.isLocked(name) && this.readOnly.has(name);
  }

  private seen(name: string, readOnly: boolean): void {
    if (readOnly === this.readOnly.has(name)) return;
    if (readOnly) this.readOnly.add(name);
    else this.readOnly.delete(name);
    this.flipped.push(name);
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
      else if (e.event === 'file:state') this.pending.set(e.data.filename, !this.isLocked(e.data.filename));
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

  /**
   * Two passes over the batch, in slices of 64 files with the event loop going on between them:
   * the modes read (lstat) and what must change decided; the bits of files about to be protected
   * recorded, in one write, when they differ from the record (a file checked out and in again
   * has the bits it was given back, so the record is rewritten rarely); then each file opened
   * without following links and changed through its descriptor. The file calls are blocking ones
   * (a slice takes ~1 ms): as asynchronous calls, each a round trip through libuv's pool, the same
   * work cost check-outs ~15% in a burst (bench/protect.ts), this way ~6%.
   */
  private async apply(batch: Map<string, boolean>): Promise<void> {
    const todo: Array<{ name: string; abs: string; protect: boolean; bits: number }> = [];
    await inSlices([...batch], ([name, protect]) => {
      const f = this.decide(name, protect);
      if (f) todo.push(f);
    });
    await this.readRecord();
    const changed = todo.filter((f) => f.protect && this.recorded[f.name] !== f.bits);
    if (changed.length > 0) await this.record(changed);
    await inSlices(todo, (f) => this.changeMode(f.name, f.abs, (mode) => (f.protect ? mode & ~WRITE_BITS : mode | (this.recorded[f.name] ?? DEFAULT_BITS))));
    const flipped = this.flipped;
    this.flipped = [];
    if (flipped.length > 0) this.o.readOnlyChanged?.(flipped);
  }

  /** A file whose mode must change, with its write bits now; null when it is as wanted, gone or a link. */
  private decide(name: string, protect: boolean): { name: string; abs: string; protect: boolean; bits: number } | null {
    try {
      const abs = vaultPath(this.o.layout, name);
      const st = lstatSync(abs);
      if (!st.isFile()) return null;
      const bits = st.mode & WRITE_BITS;
      this.seen(name, bits === 0);
      if ((bits === 0) === protect) {
        this.ok(name);
        return null;
      }
      return { name, abs, protect, bits };
    } catch {
      this.seen(name, false);
      return null;
    }
  }

  /** Changes the mode through a descriptor opened without following links (Windows: by path). */
  private changeMode(name: string, abs: string, next: (mode: number) => number): void {
    let fd: number | null = null;
    try {
      if ((fsc.O_NOFOLLOW as number | undefined) === undefined) {
        const st = lstatSync(abs);
        if (!st.isFile()) return;
        chmodSync(abs, next(st.mode & 0o7777));
        // Windows keeps only a read-only attribute: read back what the file system made of it.
        this.seen(name, (lstatSync(abs).mode & WRITE_BITS) === 0);
      } else {
        fd = openSync(abs, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
        const st = fstatSync(fd);
        if (!st.isFile()) return;
        fchmodSync(fd, next(st.mode & 0o7777));
        this.seen(name, (fstatSync(fd).mode & WRITE_BITS) === 0);
      }
      this.ok(name);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ELOOP' && code !== 'ENOTDIR') this.refuse(name, err);
    } finally {
      if (fd !== null) closeSync(fd);
    }
  }

  private refuse(name: string, err: unknown): void {
    if (this.refused.has(name)) return;
    this.o.logger?.warn({ err, file: name }, 'cannot change the mode of a file (--protect)');
    this.refused.set(name, (err as NodeJS.ErrnoException).code ?? (err as Error).message);
    this.o.changed?.(name);
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
