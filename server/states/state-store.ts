import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { StateChanged, StateRecord } from '../../shared/protocol.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { writeFileAtomic } from '../storage/durable-files.js';
import { DEFAULT_STALE_MS, lockFile } from '../storage/file-lock.js';
import { FIRST } from './state-rules.js';
import { readStatesFile, serializeStates, type StatesMap, type StatesRead } from './states-file.js';
import { signatureOf } from '../locks/locks-file.js';

/** One file's state changed: by this server (`api`) or found in states.json (`disk`). */
export interface StateChange {
  filename: string;
  before: StateRecord | null;
  after: StateRecord | null;
  source: 'api' | 'disk';
}

/** A file's release state as a FileStatus carries it. */
export interface StateFields {
  state: StateRecord['state'];
  revision: string;
  state_changed: StateChanged | null;
}

/**
 * `<data>/states.json`, kept in memory and on disk. Every change is made under the file's
 * inter-process lock from the file as it is on disk (servers sharing the data folder never lose
 * each other's changes), written atomically and durably. A file that does not parse is never
 * written: changes are refused with 503 STATES_UNAVAILABLE until it is fixed, and everything else
 * goes on with the last good states.
 */
export class StateStore {
  private states: StatesMap = {};
  private problemText: string | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private listener: (changes: StateChange[]) => void = () => undefined;
  /** states.json's signature when last read or written: the watcher's 1 s sweep reads only a changed file. */
  private signature: string | null | undefined;

  constructor(
    readonly file: string,
    private readonly staleMs = DEFAULT_STALE_MS,
    private readonly logger?: Logger,
  ) {}

  async open(): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    this.signature = await signatureOf(this.file).catch(() => undefined);
    this.take(await readStatesFile(this.file), false);
  }

  /** Where changes go (the publisher: set once, by createApp). */
  sendTo(listener: (changes: StateChange[]) => void): void {
    this.listener = listener;
  }

  get(name: string): StateRecord | null {
    return Object.hasOwn(this.states, name) ? this.states[name]! : null;
  }

  /** The state, revision and last change of `name` (a draft at A when nobody set one). */
  fields(name: string): StateFields {
    const r = this.get(name);
    return r ? { state: r.state, revision: r.revision, state_changed: { by: r.by, at: r.at, comment: r.comment } } : { ...FIRST, state_changed: null };
  }

  /** Why states cannot be changed now (states.json does not parse), or null. */
  problem(): string | null {
    return this.problemText;
  }

  /** Re-reads states.json (a watcher saw it change) and publishes what differs. */
  refresh(): Promise<void> {
    return this.serial(async () => {
      const signature = await signatureOf(this.file).catch(() => undefined);
      if (signature !== undefined && signature === this.signature) return;
      // Stat first, then read: a change in between is read next time (its signature differs).
      this.signature = signature;
      this.take(await readStatesFile(this.file), true);
    });
  }

  /**
   * Changes one file's record, deciding from the record as states.json has it now (under the
   * lock): `decide` answers the new record, null to leave it, or throws a refusal. Resolves once
   * the file is durable, with the new record (null: unchanged); `then` runs before the lock is
   * released (the activity entry, so another server that sees the file change finds it logged).
   */
  update(name: string, decide: (now: StateRecord | null) => StateRecord | null, then?: (after: StateRecord) => Promise<void>): Promise<StateRecord | null> {
    return this.serial(async () => {
      await mkdir(dirname(this.file), { recursive: true });
      const release = await lockFile(this.file, { staleMs: this.staleMs, onCompromised: (err) => this.logger?.warn({ err }, 'states.json lock compromised') });
      try {
        // Read under the lock unless it is as this server last read or wrote it (100,000 records: ~150 ms).
        const signature = await signatureOf(this.file).catch(() => undefined);
        if (signature === undefined || signature !== this.signature || this.problemText !== null) {
          const read = await readStatesFile(this.file);
          this.signature = signature;
          if (read.kind === 'bad') {
            this.take(read, true);
            throw new AppError('STATES_UNAVAILABLE', `${read.problem}. Fix or remove states.json; locks go on meanwhile.`);
          }
          this.take(read, true);
        }
        const after = decide(this.get(name));
        if (!after) return null;
        const next: StatesMap = { ...this.states, [name]: after };
        await writeFileAtomic(this.file, serializeStates(next));
        this.signature = await signatureOf(this.file).catch(() => undefined);
        const before = this.get(name);
        this.states = next;
        this.listener([{ filename: name, before, after, source: 'api' }]);
        await then?.(after);
        return after;
      } finally {
        await release().catch((err: unknown) => this.logger?.warn({ err }, 'releasing the states.json lock failed'));
      }
    });
  }

  /** Runs `work` under states.json's inter-process lock (logging a change seen on disk once). */
  async underLock<T>(work: () => Promise<T>): Promise<T> {
    const release = await lockFile(this.file, { staleMs: this.staleMs });
    try {
      return await work();
    } finally {
      await release().catch(() => undefined);
    }
  }

  private take(read: StatesRead, publish: boolean): void {
    if (read.kind === 'bad') {
      if (this.problemText !== read.problem) this.logger?.warn({ problem: read.problem }, 'states.json does not parse; state changes are refused until it is fixed');
      this.problemText = read.problem;
      return;
    }
    this.problemText = null;
    const next = read.kind === 'ok' ? read.states : {};
    const changes: StateChange[] = [];
    if (publish) {
      for (const [name, after] of Object.entries(next)) {
        const before = this.get(name);
        if (!before || before.state !== after.state || before.revision !== after.revision || before.at !== after.at || before.by !== after.by || before.comment !== after.comment) changes.push({ filename: name, before, after, source: 'disk' });
      }
      for (const name of Object.keys(this.states)) if (!Object.hasOwn(next, name)) changes.push({ filename: name, before: this.states[name]!, after: null, source: 'disk' });
    }
    this.states = next;
    if (changes.length > 0) this.listener(changes);
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
