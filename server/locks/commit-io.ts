import type { Worker } from 'node:worker_threads';
import { startWorker, type HeapFigures } from '../threads/start-worker.js';
import { CommitSteps, type CommitJob, type CommitReply, type CommitStepsOptions, type Settled, type WriteJob } from './commit-steps.js';
import type { CommitMessage, CommitRequest } from './commit-thread.js';

/** What the lock store hears from its commit side besides replies. */
export interface CommitEvents {
  /** The lock was lost while held (proper-lockfile's onCompromised). */
  compromised(message: string): void;
  /** A batch's journaled copy was written and the lock released (`all`: every batch sent so far is done with). */
  settled(settled: Settled, all?: boolean): void;
}

/**
 * Where a batch's file work runs (see CommitSteps). `commit` takes the lock and writes when
 * locks.json is as expected; after a `reread` reply the lock is still held and `write` must follow
 * (a job that writes nothing is fine). After a batch's last reply the journaled copy is written and
 * the lock released, and that is reported to `events.settled`.
 */
export interface CommitIO {
  /** Ready for the first commit (the thread started). */
  open(): Promise<void>;
  commit(job: CommitJob): Promise<CommitReply>;
  write(job: WriteJob): Promise<CommitReply>;
  /** Once the batches sent so far are settled. */
  close(): Promise<void>;
  /** A batch waiting for the lock gives up (answers busy): the server is stopping. */
  stopWaiting(): void;
  /** The commit thread's heap (null inline or before it started). */
  heap(): Promise<HeapFigures | null>;
}

/** On the calling thread (unit tests, and tools that embed the store). */
export class InlineCommitIO implements CommitIO {
  private readonly steps: CommitSteps;

  constructor(
    options: CommitStepsOptions,
    private readonly events: CommitEvents,
  ) {
    this.steps = new CommitSteps(options, (m) => events.compromised(m));
  }

  async open(): Promise<void> {}

  async commit(job: CommitJob): Promise<CommitReply> {
    return this.after(await this.steps.begin(job));
  }

  async write(job: WriteJob): Promise<CommitReply> {
    return this.after(this.steps.write(job));
  }

  async close(): Promise<void> {}

  stopWaiting(): void {
    this.steps.stopWaiting();
  }

  heap(): Promise<HeapFigures | null> {
    return Promise.resolve(null);
  }

  private async after(reply: CommitReply): Promise<CommitReply> {
    if (reply.kind !== 'reread') this.events.settled(await this.steps.finish());
    return reply;
  }
}

/** On a worker thread of its own (the server): see CommitSteps for why. */
export class ThreadCommitIO implements CommitIO {
  private worker: Worker | null = null;
  private ready: Promise<void> | null = null;
  private replies: Array<(r: CommitReply) => void> = [];
  private finishes: Array<() => void> = [];
  private heaps: Array<(h: HeapFigures | null) => void> = [];

  constructor(
    private readonly options: CommitStepsOptions,
    private readonly events: CommitEvents,
  ) {}

  /** Starts the thread (booting it takes ~0.2 s: not on the first check-out's time). */
  async open(): Promise<void> {
    this.start();
    await this.ready;
  }

  commit(job: CommitJob): Promise<CommitReply> {
    return this.ask({ op: 'commit', job });
  }

  write(job: WriteJob): Promise<CommitReply> {
    return this.ask({ op: 'write', job });
  }

  async close(): Promise<void> {
    // A `finish` is taken after every request sent before it: its answer means all are settled.
    if (this.worker) {
      const done = new Promise<void>((resolve) => this.finishes.push(resolve));
      this.worker.postMessage({ op: 'finish' } satisfies CommitRequest);
      await done;
    }
    const w = this.worker;
    this.worker = null;
    await w?.terminate();
  }

  stopWaiting(): void {
    this.worker?.postMessage({ op: 'stop-waiting' } satisfies CommitRequest);
  }

  heap(): Promise<HeapFigures | null> {
    if (!this.worker) return Promise.resolve(null);
    const answer = new Promise<HeapFigures | null>((resolve) => this.heaps.push(resolve));
    this.worker.ref();
    this.worker.postMessage({ op: 'heap' } satisfies CommitRequest);
    return answer;
  }

  private ask(req: CommitRequest): Promise<CommitReply> {
    const worker = this.start();
    worker.ref(); // work in flight keeps the process alive; unref'ed once released
    return new Promise<CommitReply>((resolve) => {
      this.replies.push(resolve);
      try {
        worker.postMessage(req);
      } catch (err) {
        // Not sent (a value the structured clone refuses: the parse limits should make that
        // impossible). A `write` follows a `reread`, so the thread holds the lock: an empty write
        // releases it (and settles); a `commit` never reached the thread, so it is settled here.
        const failed: CommitReply = { kind: 'failed', stage: 'storage', code: null, message: `the batch could not be handed to the commit thread (${(err as Error).message})` };
        this.replies.pop();
        if (req.op === 'write') {
          this.replies.push(() => resolve(failed));
          worker.postMessage({ op: 'write', job: { changes: [], activity: '', journal: false } } satisfies CommitRequest);
        } else {
          resolve(failed);
          this.events.settled({ journalSignature: undefined, journalError: null, releaseError: null });
        }
      }
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker('commit-thread', import.meta.url, this.options);
    this.ready = new Promise((resolve, reject) => {
      worker.once('error', reject);
      worker.once('exit', () => reject(new Error('the commit thread stopped while starting')));
      worker.on('message', (m: CommitMessage) => m.type === 'ready' && resolve());
    });
    this.ready.catch(() => undefined);
    worker.on('message', (m: CommitMessage) => {
      if (m.type === 'reply') this.replies.shift()?.(m.reply);
      else if (m.type === 'settled') {
        if (m.finished) this.finishes.shift()?.();
        else this.events.settled(m.settled);
        if (this.replies.length === 0 && this.finishes.length === 0 && this.heaps.length === 0) worker.unref();
      } else if (m.type === 'compromised') this.events.compromised(m.message);
      else if (m.type === 'heap') {
        this.heaps.shift()?.(m.heap);
        if (this.replies.length === 0 && this.finishes.length === 0 && this.heaps.length === 0) worker.unref();
      }
    });
    const fail = (err: Error) => this.fail(worker, err);
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the commit thread stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }

  /** The thread died: whoever waits is told, and the next batch starts a new one. */
  private fail(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    for (const r of this.replies.splice(0)) r({ kind: 'failed', stage: 'storage', code: null, message: err.message });
    this.events.settled({ journalSignature: undefined, journalError: null, releaseError: err.message }, true);
    for (const f of this.finishes.splice(0)) f();
    for (const h of this.heaps.splice(0)) h(null);
  }
}
