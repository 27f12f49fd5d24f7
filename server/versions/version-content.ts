import { constants as fsc } from 'node:fs';
import { copyFile, unlink } from 'node:fs/promises';
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
}

/**
 * The content use cases: a new version from the holder (upload), an old one made current again
 * (restore), and their common step (replace). The same rules whoever calls: only the holder of
 * the lock changes the content, and the content it replaces is kept first.
 */
export class VersionContent {
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
    return found;
  }

  /** The holder's new content, as it arrives; the version it became. */
  async upload(caller: Caller, name: string, body: UploadBody): Promise<Version> {
    const { abs } = await existingTracked(this.d.layout, name);
    this.assertHolder(name, caller.user);
    const tmp = await receiveUpload(body, abs, name, this.d.maxUploadBytes, this.d.staging);
    return this.replacing(name, tmp, () => this.replace(name, abs, tmp, caller.user, null));
  }

  /** Version `number` made current, as a new version by the holder. */
  async restore(caller: Caller, name: string, number: number): Promise<Version> {
    const { abs } = await existingTracked(this.d.layout, name);
    this.assertHolder(name, caller.user);
    const found = await this.find(name, number);
    await assertStillReal(abs, name);
    const tmp = await uploadTempPath(abs, this.d.staging);
    await copyFile(found.blob, tmp, fsc.COPYFILE_EXCL);
    const comment = `restored from version ${found.version.number}`;
    const v = await this.replacing(name, tmp, () => this.replace(name, abs, tmp, caller.user, comment));
    await this.d.activity.append([makeActivity({ type: 'version_restored', filename: name, user: caller.user, message: comment, source: 'api', version: v.number })]);
    return v;
  }

  /**
   * Undo's first step: the file back at its content when `lock` was taken (true), or false when
   * it has that content already. The current content is kept first as the holder's version, so
   * an undo never loses work. NOT_FOUND when no version of the content at check-out exists.
   */
  async revertTo(caller: Caller, name: string, lock: LockInfo): Promise<boolean> {
    const { abs } = await existingTracked(this.d.layout, name);
    this.assertHolder(name, caller.user);
    await assertStillReal(abs, name);
    // Also waits for the check-out's own record: the version thread works in the order asked.
    await this.d.versions.record(name, abs, { user: caller.user });
    const versions = await this.d.versions.list(name);
    const base = contentAtCheckout(versions.slice().reverse(), lock);
    if (!base) throw new AppError('NOT_FOUND', `No version of ${name} was recorded when it was checked out, so there is nothing to go back to: check it in instead.`);
    if (versions[0]!.sha256 === base.sha256) return false;
    const found = await this.find(name, base.number);
    const tmp = await uploadTempPath(abs, this.d.staging);
    await copyFile(found.blob, tmp, fsc.COPYFILE_EXCL);
    await this.replacing(name, tmp, () => this.replace(name, abs, tmp, caller.user, `undo check-out: back to version ${base.number}`));
    return true;
  }

  private assertHolder(name: string, user: string): void {
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
    // The content it replaces is kept first (a no-op when it is already the newest version).
    await this.d.versions.record(name, abs, { user: null });
    this.assertHolder(name, user); // again: the lock may have gone meanwhile
    await assertStillReal(abs, name);
    await renameRetrying(source, abs).catch((err: unknown) => {
      throw isBusyError(err) ? fileBusy(name) : err;
    });
    const v = await this.d.versions.record(name, abs, { user, comment });
    const change = await this.d.index.update(abs);
    if (change) await this.d.changes.publish([change], v ? new Map([[name, v.number]]) : undefined, user);
    if (v) await this.d.activity.append([makeActivity({ type: 'version_added', filename: name, user, message: comment, source: 'api', version: v.number })]);
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
