import type { ActivityEvent, LocksMap } from '../../shared/protocol.js';
import type { Logger } from '../logger.js';
import type { LockChange } from './lock-diff.js';
import type { StoreHealth } from './store-health.js';
import type { DriftFollower } from './lock-batch.js';

/**
 * The activity entries that record a batch (`committed`) and the changes on disk nobody recorded
 * yet (`drift`); called under the inter-process lock, and appended durably before the answer.
 */
export type Journal = (entries: { committed: LockChange[]; drift: LockChange[] }) => Promise<ActivityEvent[]>;

export interface StoreListener {
  changes(changes: LockChange[], source: 'api' | 'disk'): void;
  health(health: StoreHealth): void;
  /**
   * The activity entries a batch appended (its own and the drift it journaled), starting at byte
   * `at` of the log, each line `bytes[i]` long (its newline included), told after its `changes`.
   */
  logged?(entries: readonly ActivityEvent[], at: number, bytes: readonly number[]): void;
}

export interface LockStoreOptions {
  /** Path of locks.json. */
  file: string;
  /** Copy of locks.json as last journaled; lets servers sharing it record each change once. */
  journaledFile?: string;
  /** proper-lockfile `stale` in ms: a dead holder's lock is taken over after this. */
  staleMs?: number;
  /** false = one lock hold per mutation (the benchmark's baseline). */
  groupCommit?: boolean;
  maxBatch?: number;
  journal?: Journal;
  /**
   * Told, under the lock, of changes on disk nobody journaled yet (a hand edit), in the batch that
   * journals them; what it drafts is written with them. Set at construction: the start-up's own
   * journaling may come before anything else is wired.
   */
  followDrift?: DriftFollower;
  /**
   * locks.json as the vault names files (each key in the disk's spelling, two keys for one file
   * merged), applied to every read; what it changes is written back at the next write.
   */
  respell?: (locks: LocksMap) => { locks: LocksMap; duplicates: Array<{ kept: string; dropped: string }> };
  /** Where `journal`'s entries are appended (the activity log). */
  activityFile?: string;
  /** Told how long each batch took, from its start to its answer (for metrics). */
  commitTimed?: (seconds: number) => void;
  /** Test-only: keep the lock this long per commit, to freeze a holder on purpose. */
  debugHoldMs?: number;
  /** Do the file work of commits on a thread of its own (the server) instead of this one. */
  thread?: boolean;
  logger?: Logger;
}

