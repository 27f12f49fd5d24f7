import { parentPort, workerData } from 'node:worker_threads';
import { collectPeriodically, heapFigures, nameThisThread, type HeapFigures } from '../threads/start-worker.js';
import { CommitSteps, type CommitJob, type CommitStepsOptions, type WriteJob } from './commit-steps.js';

/** Messages the lock store sends to its commit thread, one at a time, in order. */
export type CommitRequest = { op: 'commit'; job: CommitJob } | { op: 'write'; job: WriteJob } | { op: 'finish' } | { op: 'stop-waiting' } | { op: 'heap' };

/** `commit` and `write` get one `reply` each; every release of the lock is told as `settled`. */
export type CommitMessage =
  | { type: 'reply'; reply: import('./commit-steps.js').CommitReply }
  /** `finished`: the answer to a `finish` request (else a release of the thread's own). */
  | { type: 'settled'; settled: import('./commit-steps.js').Settled; finished: boolean }
  | { type: 'compromised'; message: string }
  | { type: 'heap'; heap: HeapFigures }
  | { type: 'ready' };

nameThisThread('pdm-commit');
collectPeriodically();
const port = parentPort!;
const post = (m: CommitMessage) => port.postMessage(m);
const steps = new CommitSteps(workerData as CommitStepsOptions, (message) => post({ type: 'compromised', message }));

port.postMessage({ type: 'ready' } satisfies CommitMessage);

// The lock may be waited for (async): requests are handled strictly one after another.
let queue: Promise<void> = Promise.resolve();
port.on('message', (m: CommitRequest) => {
  // Not queued: it must reach a batch that is waiting for the lock.
  if (m.op === 'stop-waiting') { steps.stopWaiting(); return; }
  if (m.op === 'heap') { post({ type: 'heap', heap: heapFigures() }); return; }
  queue = queue.then(async () => {
    if (m.op === 'finish') { post({ type: 'settled', settled: await steps.finish(), finished: true }); return; }
    const reply = m.op === 'commit' ? await steps.begin(m.job) : steps.write(m.job);
    post({ type: 'reply', reply });
    // The answer goes out first; the journaled copy and the release follow while it is read.
    if (reply.kind !== 'reread') post({ type: 'settled', settled: await steps.finish(), finished: false });
  });
});
