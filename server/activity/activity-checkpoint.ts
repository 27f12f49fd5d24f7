import { open, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../storage/durable-files.js';
import type { HoldCheckpoint } from './hold-index.js';
import { entriesAt } from './activity-search.js';

/** The hold index as of `offset` (a line start) in the log, after `total` entries. */
export interface ActivityCheckpoint {
  offset: number;
  total: number;
  index: HoldCheckpoint;
}

interface Stored extends ActivityCheckpoint {
  v: 1;
  /** The log's first entry: a log replaced by another one is not mistaken for this one. */
  head: string;
}

/** The id of the log's first entry, or null when there is none (yet). */
async function headOf(log: string): Promise<string | null> {
  return (await entriesAt(log, [0])).get(0)?.id ?? null;
}

/** Whether `offset` is a line start inside the log (the byte before it ends a line). */
async function lineStart(log: string, offset: number): Promise<boolean> {
  if (offset === 0) return true;
  const fh = await open(log, 'r').catch(() => null);
  if (!fh) return false;
  try {
    const { bytesRead, buffer } = await fh.read(Buffer.alloc(1), 0, 1, offset - 1);
    return bytesRead === 1 && buffer[0] === 0x0a;
  } finally {
    await fh.close();
  }
}

/**
 * The checkpoint beside `log`, when it still describes that log; null when there is none, it
 * cannot be read, or the log was replaced or cut since (then the log is read from its start).
 */
export async function loadCheckpoint(file: string, log: string): Promise<ActivityCheckpoint | null> {
  let c: Partial<Stored>;
  try {
    c = JSON.parse(await readFile(file, 'utf8')) as Partial<Stored>;
  } catch {
    return null;
  }
  if (c.v !== 1 || !Number.isSafeInteger(c.offset) || !Number.isSafeInteger(c.total) || typeof c.head !== 'string' || !c.index) return null;
  if ((await headOf(log)) !== c.head || !(await lineStart(log, c.offset!))) return null;
  return { offset: c.offset!, total: c.total!, index: c.index };
}

/**
 * Writes it atomically (servers sharing the data folder may each write theirs: every one is a
 * consistent picture of a prefix of the same log, so whichever lands last is as good).
 */
export async function saveCheckpoint(file: string, log: string, c: ActivityCheckpoint): Promise<void> {
  const head = await headOf(log);
  if (head === null) return;
  await writeFileAtomic(file, JSON.stringify({ v: 1, head, ...c } satisfies Stored), { durable: false });
}
