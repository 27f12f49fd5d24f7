import { constants as fsc } from 'node:fs';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, stat, unlink } from 'node:fs/promises';
import type { LockInfo, Version } from '../../shared/protocol.js';
import type { ActivityLog } from '../activity/activity-log.js';
import { makeActivity } from '../activity/activity-log.js';
import { AppError } from '../errors.js';
import { isBusyError, renameRetrying } from '../storage/durable-files.js';
import type { Caller } from '../files/file-commands.js';
import type { LockStore } from '../locks/lock-store.js';
import type { VaultIndex } from '../vault/vault-index.js';
import { existingTracked, type VaultLayout } from '../vault/vault-paths.js';
import { assertStillReal, receiveUpload, uploadTempPath, type UploadBody } from './upload.js';
import type { ContentTurns } from './content-turns.js';
import type { VaultChanges } from './vault-changes.js';
import type { VersionStore } from './version-store.js';

export interface VersionContentDeps {
  layout: VaultLayout;
  index: VaultIndex;
  store: LockStore;
  versions: VersionStore;
  changes: VaultChanges;
  activity: ActivityLog;
  maxUploadBytes: number;
  /** Where uploads and restores gather their bytes (see uploadTempPath). */
  staging: string;
  /** Content operations on one file take turns (on this server and across servers). */
  turns: ContentTurns;
}

/**
 * The content use cases: a new version from the holder (upload), an old one made current again
 * (restore), and their common step (replace). The same rules whoever calls: only the holder of
 * the lock changes the content, and the content it replaces is kept first.
 */
export class VersionContent {
  private readonly publishing = new Map<string, Promise<void>>();

  constructor(private readonly d: VersionContentDeps) {}

  /** The versions of a tracked file, newest first. */
  async list(name: string): Promise<Version[]> {
    await existingTracked(this.d.layout, name);
    return this.d.versions.list(name);
  }

  /** One version and where its bytes are; NOT_FOUND when the file has no such version. */
  async find(name: string, number: number): Promise<{ version: Version; blob: string }> {
    await existingTracked(this.d.layout, name);
    const found = await this.d.versions.get(name, number);
    if (!found) throw new AppError('NOT_FOUND', `${name} has no version ${number}.`);
    // A blob that is not the bytes its record names is never served nor restored.
    if (!(await blobMatches(found.blob, found.version))) {
      throw new AppError('INTERNAL', `Version ${number} of ${name} is damaged on disk (its bytes do not match its sha256): it is not served. Restore the data folder's versions from a backup.`);
    }
    return found;
  }

  /** The holder's new content, as it arrives; the version it became. */
  async upload(caller: Caller, name: string, body: UploadBody): Promise<Version> {
    const { abs } = await existingTracked(this.d.layout, name);
    await this.assertHolder(name, caller.user);
    const tmp = await receiveUpload(body, abs, name, this.d.maxUploadBytes, this.d.staging);
    const v = await this.replacing(name, tmp, () => this.d.turns.run(name, () => this.replace(name, abs, tmp, caller.user, null)));
    await this.published(name);
    return v;
  }

  /** Version `number` made current, as a new version by the holder. */
  async restore(caller: Caller, name: string, number: number): Promise<Version> {
    const { v, comment } = await this.d.turns.run(name, () => this.restoreNow(caller, name, number));
    await this.published(name);
    await this.d.activity.append([makeActivity({ type: 'version_restored', filename: name, user: caller.user, message: comment, source: 'api', version: v.number })]);
    return v;
  }

  private async restoreNow(caller: Caller, name: string, number: number): Promise<{ v: Version; comment: string }> {
    const { abs } = await existingTracked(this.d.layout, name);
    await this.assertHolder(name, caller.user);
    const found = await this.find(name, number);
    await assertStillReal(abs, name);
    const tmp = await uploadTempPath(abs, this.d.staging);
    await copyFile(found.blob, tmp, fsc.COPYFILE_EXCL);
    const comment = `restored from version ${found.version.number}`;
    const v = await this.replacing(name, tmp, () => this.replace(name, abs, tmp, caller.user, comment));
    return { v, comment };
  }

  /**
   * Undo's first step: the file back at its content when `lock` was taken (true), or false when
   * it has that content already. The current content is kept first as the holder's version, so
   * an undo never loses work. UNDO_UNAVAILABLE when no version of the content at check-out
   * exists (nothing to compare with: it never says "nothing changed" about content it cannot
   * compare). Call it in the file's turn (see `turn`).
   */
  async revertTo(caller: Caller, name: string, lock: LockInfo): Promise<boolean> {
    const { abs } = await existingTracked(this.d.layout, name);
    await this.assertHolder(name, caller.user);
    await assertStillReal(abs, name);
    // Also waits for the check-out's own record: the version thread works in the order asked.
    await this.d.versions.record(name, abs, { user: caller.user });
    const versions = await this.d.versions.list(name);
    const base = contentAtCheckout(versions.slice().reverse(), lock);
    if (!base) throw new AppError('UNDO_UNAVAILABLE', `The content of ${name} when it was checked out was not kept, so there is nothing to go back to: nothing was changed or released. Check it in instead.`);
    if (versions[0]!.sha256 === base.sha256) return false;
    const found = await this.find(name, base.number);
    const tmp = await uploadTempPath(abs, this.d.staging);
    await copyFile(found.blob, tmp, fsc.COPYFILE_EXCL);
    await this.replacing(name, tmp, () => this.replace(name, abs, tmp, caller.user, `undo check-out: back to version ${base.number}`));
    return true;
  }

  /** Runs `work` in `name`'s turn of content operations (undo: the revert and the release together). */
  turn<T>(name: string, work: () => Promise<T>): Promise<T> {
    return this.d.turns.run(name, work);
  }

  /**
   * Resolves once the board and the log have what the last replace of `name` changed. Awaited
   * after the turn, never in it: the watcher's record of a save waits for the turn in the same
   * queue the publication goes through.
   */
  async published(name: string): Promise<void> {
    await this.publishing.get(name);
  }

  /**
   * The caller holds the lock. A refusal is checked against locks.json first: the lock may have
   * been taken through another server a moment ago, before this one's watcher saw it.
   */
  private async assertHolder(name: string, user: string): Promise<void> {
    if (this.d.store.get(name)?.user !== user) await this.d.store.refresh();
    const lock = this.d.store.get(name);
    if (!lock) throw new AppError('NOT_LOCKED', `${name} is not checked out: check it out before changing it.`);
    if (lock.user !== user) throw new AppError('NOT_LOCK_OWNER', `${name} is checked out by ${lock.user}, not by ${user}.`, { lock });
  }

  /**
   * `work` replaces `name` with the temp file `tmp`; the version it made, or the newest when the
   * bytes were those of the newest already. On failure the temp file is removed.
   */
  private async replacing(name: string, tmp: string, work: () => Promise<Version | null>): Promise<Version> {
    try {
      return (await work()) ?? (await this.d.versions.list(name))[0]!;
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }

  /** Replaces the file with `source` (same folder), records the version, publishes. */
  private async replace(name: string, abs: string, source: string, user: string, comment: string | null): Promise<Version | null> {
    // The file (or its folder) may have been swapped for a link while the bytes arrived.
    await assertStillReal(abs, name);
    // The content it replaces is kept first (a no-op when it is already the newest version): a
    // save made under the holder's lock is the holder's.
    await this.d.versions.record(name, abs, { user });
    await this.assertHolder(name, user); // again: the lock may have gone meanwhile
    // The version is the bytes received, recorded from the temp file before it becomes the
    // file: never the vault file read again later (a save in place may have changed it by then).
    const staged = await stat(source);
    const v = await this.d.versions.record(name, source, { user, comment, staged: true });
    await this.assertHolder(name, user);
    await assertStillReal(abs, name);
    await renameRetrying(source, abs).catch((err: unknown) => {
      throw isBusyError(err) ? fileBusy(name) : err;
    });
    const change = await this.d.index.update(abs);
    // Announced as recorded only when the index saw the renamed file itself; a save that came in
    // between is recorded as the change it is.
    const ours = change !== null && change.kind !== 'removed' && change.stat.size === staged.size && change.stat.mtimeMs === staged.mtimeMs;
    // Queued now (in order), awaited after the turn (see `published`).
    const publishing = change ? this.d.changes.publish([change], v && ours ? new Map([[name, v.number]]) : undefined, user) : Promise.resolve();
    const done = publishing.then(async () => {
      if (v) await this.d.activity.append([makeActivity({ type: 'version_added', filename: name, user, message: comment, source: 'api', version: v.number })]);
    });
    this.publishing.set(name, done);
    void done.finally(() => {
      if (this.publishing.get(name) === done) this.publishing.delete(name);
    });
    return v;
  }
}

/**
 * The version that was current when `lock` was taken, from the versions oldest first: the newest
 * one from before the check-out, or the one the check-out itself recorded (no user, after the
 * lock's time, before any version of the holder's). Null when neither was kept.
 */
export function contentAtCheckout(oldestFirst: Version[], lock: LockInfo): Version | null {
  const taken = Date.parse(lock.timestamp);
  let base: Version | null = null;
  let edited = false;
  for (const v of oldestFirst) {
    if (Date.parse(v.at) <= taken) base = v;
    else if (v.user === null && !edited) base = v;
    else edited = true;
  }
  return base;
}

/** The refusal for a vault file that another program keeps open (Windows will not replace it). */
export function fileBusy(name: string): AppError {
  return new AppError('FILE_BUSY', `${name.split('/').pop()} is open in another program; close it and try again.`);
}

/** Whether a blob holds exactly the bytes its record names (size and sha256), read in full. */
export async function blobMatches(blob: string, v: Version): Promise<boolean> {
  if (!/^[0-9a-f]{64}$/.test(v.sha256)) return false;
  const h = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(blob, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      size += chunk.length;
      h.update(chunk);
    }
  } catch {
    return false;
  }
  return size === v.size_bytes && h.digest('hex') === v.sha256;
}
