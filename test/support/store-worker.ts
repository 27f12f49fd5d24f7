// A separate OS process hammering one locks.json through the real LockStore.
import { LockStore } from '../../server/locks/lock-store.js';

const [file, id, countArg] = process.argv.slice(2) as [string, string, string];
const count = Number(countArg);
const store = new LockStore({ file, staleMs: 15_000 });
await store.open();
let done = 0;
// 10 in flight at a time, so batches of several mutations meet other processes' batches.
const next = async (): Promise<void> => {
  while (done < count) {
    const i = done++;
    await store.mutate((d) => d.set(`w${id}/${i}.mcam`, { user: `worker${id}`, timestamp: new Date().toISOString(), message: String(i) }, { by: `worker${id}` }));
  }
};
await Promise.all(Array.from({ length: 10 }, next));
await store.close();
process.stdout.write(`done ${id}\n`);
