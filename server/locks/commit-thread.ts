import { parentPort, workerData } from 'node:worker_threads';
import { CommitSteps, type CommitJob, type CommitStepsOptions, type WriteJob } from './commit-steps.js';

/** Messages the lock store sends to its commit thread, one at a time, in order. */
export type CommitRequest = { op: 'commit'; job: CommitJob } | { op: 'write'; job: WriteJob };

/** Every request gets one `reply`; a batch's last reply is followed by its `settled`. */
export type CommitMessage =
  | { type: 'reply'; reply: import('./commit-steps.js').CommitReply }
  | { type: 'settled'; settled: import('./commit-steps.js').Settled }
  | { type: 'compromised'; message: string }
  | { type: 'ready' };

const port = parentPort!;
const steps = new CommitSteps(workerData as CommitStepsOptions, (message) => port.postMessage({ type: 'compromised', message } satisfies CommitMessage));

port.postMessage({ type: 'ready' } satisfies CommitMessage);

// The lock may be waited for (async): requests are handled strictly one after another.
let queue: Promise<void> = Promise.resolve();
port.on('message', (m: CommitRequest) => {
  queue = queue.then(async () => {
    const reply = m.op === 'commit' ? await steps.begin(m.job) : steps.write(m.job);
    port.postMessage({ type: 'reply', reply } satisfies CommitMessage);
    // The answer goes out first; the journaled copy and the release follow while it is read.
    if (reply.kind !== 'reread') port.postMessage({ type: 'settled', settled: await steps.finish() } satisfies CommitMessage);
  });
});
