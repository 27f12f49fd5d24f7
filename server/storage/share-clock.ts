import * as fs from 'node:fs';
import { dirname, join } from 'node:path';

/** How often a folder's clock is looked at again. */
const MEASURE_EVERY_MS = 30_000;
/** A new measure replaces the old only when it moved this much (a clock was stepped), so the lock's own mtimes stay comparable. */
const MOVE_MS = 2000;

/** Per folder: this machine's clock minus the file system's, in whole seconds, and when it was measured. */
const offsets = new Map<string, { offsetMs: number; at: number }>();

/**
 * This machine's clock minus the clock that stamps files in `dir` (the file server's, on a
 * share; the kernel's, on a local disk), in whole seconds: a probe file is written and its mtime
 * read. Measured again every 30 s; changed only when it moved by 2 s or more.
 */
export function shareOffsetMs(dir: string): number {
  const now = Date.now();
  const known = offsets.get(dir);
  if (known && now - known.at < MEASURE_EVERY_MS) return known.offsetMs;
  let measured = known?.offsetMs ?? 0;
  const probe = join(dir, `.pdm-clock-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  try {
    const before = Date.now();
    fs.writeFileSync(probe, '');
    const after = Date.now();
    const stamped = fs.statSync(probe).mtimeMs;
    measured = Math.round(((before + after) / 2 - stamped) / 1000) * 1000;
  } catch {
    // A folder that cannot be written to: the last measure (or none) stands.
  } finally {
    try {
      fs.unlinkSync(probe);
    } catch {
      // already gone, or never made
    }
  }
  const offsetMs = known && Math.abs(measured - known.offsetMs) < MOVE_MS ? known.offsetMs : measured;
  offsets.set(dir, { offsetMs, at: now });
  return offsetMs;
}

type StatsLike = { mtime: Date };
const shifted = <S extends StatsLike>(stat: S, offsetMs: number): S => (offsetMs === 0 ? stat : Object.assign(Object.create(Object.getPrototypeOf(stat) as object) as S, stat, { mtime: new Date(stat.mtime.getTime() + offsetMs) }));
const toDisk = (t: Date | number, offsetMs: number): Date => new Date((t instanceof Date ? t.getTime() : t * 1000) - offsetMs);

/**
 * The file system proper-lockfile is given (its `fs` option). proper-lockfile decides a lock is
 * stale by comparing the lock folder's mtime with *this machine's* clock, and refreshes it with
 * this machine's time: servers whose clocks differ by more than the stale period would take each
 * other's live locks. Here every mtime it reads is moved onto this machine's clock, and every
 * time it writes is moved onto the file system's, by the measured offset (shareOffsetMs), so each
 * server compares against the share's own clock. With clocks that agree (within a second) nothing
 * changes.
 */
export const shareClockFs: typeof fs = {
  ...fs,
  stat: ((path: fs.PathLike, cb: (err: NodeJS.ErrnoException | null, stat: fs.Stats) => void) => {
    const offsetMs = shareOffsetMs(dirname(String(path)));
    fs.stat(path, (err, stat) => cb(err, err ? stat : shifted(stat, offsetMs)));
  }) as typeof fs.stat,
  statSync: ((path: fs.PathLike) => shifted(fs.statSync(path), shareOffsetMs(dirname(String(path))))) as typeof fs.statSync,
  utimes: ((path: fs.PathLike, atime: Date | number, mtime: Date | number, cb: fs.NoParamCallback) => {
    const offsetMs = shareOffsetMs(dirname(String(path)));
    fs.utimes(path, toDisk(atime, offsetMs), toDisk(mtime, offsetMs), cb);
  }) as typeof fs.utimes,
  utimesSync: ((path: fs.PathLike, atime: Date | number, mtime: Date | number) => {
    const offsetMs = shareOffsetMs(dirname(String(path)));
    fs.utimesSync(path, toDisk(atime, offsetMs), toDisk(mtime, offsetMs));
  }) as typeof fs.utimesSync,
};
