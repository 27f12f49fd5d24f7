import type { Worker } from 'node:worker_threads';
import { startTsWorker } from '../threads/ts-worker.js';
import { CommitSteps, type CommitJob, type CommitReply, type CommitStepsOptions, type Settled, type WriteJob } from './commit-steps.js';
import type { CommitMessage, CommitRequest } from './commit-thread.js';

/**
 * Where a batch's file work runs. `commit` takes the lock and writes when locks.json is as
 * expected; after a `reread` reply the lock is still held and `write` must follow (a job that
 * writes nothing just releases). `settled` resolves once the last batch's journaled copy is
 * written and the lock released.
 */
export interface CommitIO {
  /** Ready for the first commit (the thread started). */
  open(): Promise<void>;
  commit(job: CommitJob): Promise<CommitReply>;
  write(job: WriteJob): Promise<CommitReply>;
  settled(): Promise<Settled>;
  close(): Promise<void>;
}

const NOTHING: Settled = { journalSignature: undefined, journalError: null, releaseError: null };

/** On the calling thread (unit tests, and tools that embed the store). */
export class InlineCommitIO implements CommitIO {
  private readonly steps: CommitSteps;
  private last: Promise<Settled> = Promise.resolve(NOTHING);

  constructor(options: CommitStepsOptions, onCompromised: (message: string) => void) {
    this.steps = new CommitSteps(options, onCompromised);
  }

  async open(): Promise<void> {}

  async commit(job: CommitJob): Promise<CommitReply> {
    await this.last;
    return this.after(await this.steps.begin(job));
  }

  async write(job: WriteJob): Promise<CommitReply> {
    return this.after(this.steps.write(job));
  }

  settled(): Promise<Settled> {
    return this.last;
  }

  async close(): Promise<void> {
    await this.last;
  }

  private after(reply: CommitReply): CommitReply {
    // Like the thread: the caller answers first, the journaled copy and release follow.
    if (reply.kind !== 'reread') this.last = new Promise((r) => setImmediate(r)).then(() => this.steps.finish());
    return reply;
  }
}

/** On a worker thread of its own (the server): see CommitSteps for why. */
export class ThreadCommitIO implements CommitIO {
  private worker: Worker | null = null;
  private replies: Array<(r: CommitReply) => void> = [];
  private settles: Array<(s: Settled) => void> = [];
  private last: Promise<Settled> = Promise.resolve(NOTHING);
  private ready: Promise<void> | null = null;

  constructor(
    private readonly options: CommitStepsOptions,
    private readonly onCompromised: (message: string) => void,
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

  settled(): Promise<Settled> {
    return this.last;
  }

  async close(): Promise<void> {
    await this.last;
    const w = this.worker;
    this.worker = null;
    await w?.terminate();
  }

  private ask(req: CommitRequest): Promise<CommitReply> {
    const worker = this.start();
    worker.ref(); // a batch in flight keeps the process alive; unref'ed again once settled
    const reply = new Promise<CommitReply>((resolve) => this.replies.push(resolve));
    void reply.then((r) => {
      if (r.kind !== 'reread') this.last = new Promise<Settled>((resolve) => this.settles.push(resolve));
    });
    worker.postMessage(req);
    return reply;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = startTsWorker(new URL('./commit-thread.ts', import.meta.url), this.options);
    this.ready = new Promise((resolve, reject) => {
      worker.once('error', reject);
      worker.once('exit', () => reject(new Error('the commit thread stopped while starting')));
      worker.on('message', (m: CommitMessage) => m.type === 'ready' && resolve());
    });
    this.ready.catch(() => undefined);
    worker.on('message', (m: CommitMessage) => {
      if (m.type === 'ready') return;
      if (m.type === 'reply') this.replies.shift()?.(m.reply);
      else if (m.type === 'settled') {
        this.settles.shift()?.(m.settled);
        if (this.replies.length === 0 && this.settles.length === 0) worker.unref();
      } else this.onCompromised(m.message);
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
    for (const s of this.settles.splice(0)) s({ ...NOTHING, releaseError: err.message });
  }
}
