import { constants as fsc, createReadStream } from 'node:fs';
import { copyFile, rename, unlink } from 'node:fs/promises';
import type { Request, Response } from 'express';
import type { Identity } from '../auth/identity.js';
import type { ActivityLog } from '../activity/activity-log.js';
import { makeActivity } from '../activity/activity-log.js';
import { AppError } from '../errors.js';
import type { FileBoard } from '../files/file-board.js';
import type { LockStore } from '../locks/lock-store.js';
import type { VaultIndex } from '../vault/vault-index.js';
import { statTracked, vaultPath, type VaultLayout } from '../vault/vault-paths.js';
import { assertStillReal, receiveUpload, uploadTempPath } from './upload.js';
import type { VaultChanges } from './vault-changes.js';
import type { VersionStore } from './version-store.js';

export interface VersionRoutesDeps {
  layout: VaultLayout;
  index: VaultIndex;
  board: FileBoard;
  store: LockStore;
  versions: VersionStore;
  changes: VaultChanges;
  activity: ActivityLog;
  identity: Identity;
  maxUploadBytes: number;
  /** Where uploads and restores gather their bytes (see uploadTempPath). */
  staging: string;
}

/** Versions (README.md, Versions): upload a new version, list, download and restore versions. */
export function versionHandlers(d: VersionRoutesDeps) {
  const existing = async (name: string) => {
    const abs = vaultPath(d.layout, name);
    if (!(await statTracked(d.layout, abs))) throw new AppError('FILE_NOT_FOUND', `No tracked file named ${name} in the vault.`);
    return abs;
  };
  // Only the holder may replace the content.
  const assertHolder = (name: string, user: string) => {
    const lock = d.store.get(name);
    if (!lock) throw new AppError('NOT_LOCKED', `${name} is not checked out: check it out before changing it.`);
    if (lock.user !== user) throw new AppError('NOT_LOCK_OWNER', `${name} is checked out by ${lock.user}, not by ${user}.`, { lock });
  };
  const version = (raw: string) => {
    if (!/^[1-9]\d{0,9}$/.test(raw)) throw new AppError('INVALID_REQUEST', `Invalid version number "${raw}".`);
    return Number(raw);
  };

  /** Replaces the file with `source` (same folder), records the version, publishes. */
  const replace = async (name: string, abs: string, source: string, user: string, comment: string | null) => {
    // The file (or its folder) may have been swapped for a link while the bytes arrived.
    await assertStillReal(abs, name);
    // The content it replaces is kept first (a no-op when it is already the newest version).
    await d.versions.record(name, abs, { user: null });
    assertHolder(name, user); // again: the lock may have gone meanwhile
    await assertStillReal(abs, name);
    await rename(source, abs);
    const v = await d.versions.record(name, abs, { user, comment });
    const change = await d.index.update(abs);
    if (change) await d.changes.publish([change], v ? new Map([[name, v.number]]) : undefined);
    if (v) await d.activity.append([makeActivity({ type: 'version_added', filename: name, user, message: comment, source: 'api', version: v.number })]);
    return v;
  };

  return {
    async upload(req: Request, res: Response, name: string) {
      const caller = await d.identity.fromHttp(req.headers);
      const abs = await existing(name);
      assertHolder(name, caller.user);
      const tmp = await receiveUpload(req, abs, name, d.maxUploadBytes, d.staging);
      try {
        const v = (await replace(name, abs, tmp, caller.user, null)) ?? (await d.versions.list(name))[0]!;
        res.json({ success: true, file: d.board.status(name), version: v });
      } catch (err) {
        await unlink(tmp).catch(() => undefined);
        throw err;
      }
    },

    async list(_req: Request, res: Response, name: string) {
      await existing(name);
      res.json({ versions: await d.versions.list(name) });
    },

    async download(_req: Request, res: Response, name: string, n: string) {
      await existing(name);
      const found = await d.versions.get(name, version(n));
      if (!found) throw new AppError('NOT_FOUND', `${name} has no version ${n}.`);
      res.attachment(name.split('/').pop());
      res.setHeader('Content-Type', 'application/octet-stream');
      res.setHeader('Content-Length', String(found.version.size_bytes));
      createReadStream(found.blob).on('error', (err) => res.destroy(err)).pipe(res);
    },

    async restore(req: Request, res: Response, name: string, n: string) {
      const caller = await d.identity.fromHttp(req.headers);
      const abs = await existing(name);
      assertHolder(name, caller.user);
      const found = await d.versions.get(name, version(n));
      if (!found) throw new AppError('NOT_FOUND', `${name} has no version ${n}.`);
      await assertStillReal(abs, name);
      const tmp = await uploadTempPath(abs, d.staging);
      await copyFile(found.blob, tmp, fsc.COPYFILE_EXCL);
      try {
        const comment = `restored from version ${found.version.number}`;
        const v = (await replace(name, abs, tmp, caller.user, comment)) ?? (await d.versions.list(name))[0]!;
        await d.activity.append([makeActivity({ type: 'version_restored', filename: name, user: caller.user, message: comment, source: 'api', version: v.number })]);
        res.json({ success: true, file: d.board.status(name), version: v });
      } catch (err) {
        await unlink(tmp).catch(() => undefined);
        throw err;
      }
    },
  };
}
