import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../logger.js';
import { nameThisThread } from '../threads/start-worker.js';
import { Webhooks, type WebhookOptions } from './webhooks.js';

/** What the main thread tells the webhook thread. */
export type HookRequest = { op: 'wake' } | { op: 'close' } | { op: 'load'; busy: boolean };
/** What the webhook thread tells the main thread: its figures when they change, and that it closed. */
export type HookMessage = { type: 'started' } | { type: 'figures'; figures: ReturnType<Webhooks['figures']>; problem: string | null } | { type: 'closed' };

export type HookThreadData = Omit<WebhookOptions, 'logger' | 'now' | 'pace'> & { logLevel: string };

nameThisThread('pdm-webhooks');
// Delivery is never in a check-out's way: on Linux (where a thread's priority is its own) this
// thread yields the cores to the server's when both are busy, and catches up when they are not.
// Elsewhere setPriority would lower the whole process, so it is left as it is.
if (process.platform === 'linux') {
  try {
    setPriority(19);
  } catch {
    // not allowed: delivered at the usual priority
  }
}
const port = parentPort!;
const data = workerData as HookThreadData;
/** The main thread is busy with commands (its event loop mostly in use): see `pace`. */
let busy = false;
/** Longest a delivery waits for a quiet moment: under load without end, hooks still go on at a few a second. */
const LONGEST_PAUSE_MS = 250;
/**
 * A check-out is never delayed by a delivery: while the main thread is busy, each delivery waits
 * for it to quiet down (for LONGEST_PAUSE_MS at most), so a burst of commands runs at full speed
 * and the hooks catch up after it.
 */
async function pace(): Promise<void> {
  for (let waited = 0; busy && waited < LONGEST_PAUSE_MS; waited += 25) await new Promise((r) => setTimeout(r, 25));
}
const hooks = new Webhooks({ ...data, logger: createLogger(data.logLevel), pace });
const post = (m: HookMessage) => port.postMessage(m);

let last = '';
/** Figures go to the main thread (for /metrics and health) at most every 200 ms, when they changed. */
const report = setInterval(() => {
  const figures = hooks.figures();
  const problem = hooks.problem();
  const text = JSON.stringify([figures, problem]);
  if (text === last) return;
  last = text;
  post({ type: 'figures', figures, problem });
}, 200);

port.on('message', (m: HookRequest) => {
  if (m.op === 'wake') hooks.wake();
  else if (m.op === 'load') busy = m.busy;
  else {
    clearInterval(report);
    void hooks.close().then(() => post({ type: 'closed' }));
  }
});
// Each new hook's cursor is made before the server answers anything (it starts at the log's end).
void hooks.start().then(() => post({ type: 'started' }));
