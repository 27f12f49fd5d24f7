import { stat } from 'node:fs/promises';
import { RELEASE_STATES, type ReleaseState, type StateRecord } from '../../shared/protocol.js';
import { readTextFile } from '../storage/text-files.js';
import { REVISION } from './state-rules.js';

/** states.json: file name → its state now (CONTRACT §18). */
export type StatesMap = Record<string, StateRecord>;

/** Bounds on a hand-edited states.json. */
export const STATES_LIMITS = { maxBytes: 64 * 1024 * 1024, maxComment: 2000, maxName: 200 } as const;

export type StatesRead = { kind: 'missing' } | { kind: 'ok'; states: StatesMap } | { kind: 'bad'; problem: string };

const isState = (v: unknown): v is ReleaseState => typeof v === 'string' && (RELEASE_STATES as readonly string[]).includes(v);

/**
 * states.json as a person may have left it (a byte-order mark, CRLF: read by readTextFile): an
 * object of records with a known state, a revision label, who and when; anything else is a
 * problem to report, and the file is never written over.
 */
export function parseStates(text: string): StatesRead {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { kind: 'bad', problem: `states.json is not valid JSON (${(err as Error).message})` };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { kind: 'bad', problem: 'states.json is not a JSON object of state records' };
  const states: StatesMap = {};
  for (const [name, rec] of Object.entries(data as Record<string, unknown>)) {
    if (name === '__proto__') return { kind: 'bad', problem: 'states.json: "__proto__" is not a file name' };
    const r = rec as Partial<Record<keyof StateRecord, unknown>> | null;
    const bad = (what: string): StatesRead => ({ kind: 'bad', problem: `states.json: the entry for "${name}" ${what}` });
    if (typeof r !== 'object' || r === null || Array.isArray(r)) return bad('is not a state record');
    if (!isState(r.state)) return bad(`has a "state" that is not one of ${RELEASE_STATES.join(', ')}`);
    if (typeof r.revision !== 'string' || !REVISION.test(r.revision)) return bad('has a "revision" that is not a label like A, B or AA');
    if (r.by !== undefined && (typeof r.by !== 'string' || r.by.length > STATES_LIMITS.maxName)) return bad('has a "by" that is not a name');
    if (r.at !== undefined && (typeof r.at !== 'string' || Number.isNaN(Date.parse(r.at)))) return bad('has an "at" that is not an ISO time');
    if (r.comment !== undefined && r.comment !== null && (typeof r.comment !== 'string' || r.comment.length > STATES_LIMITS.maxComment)) return bad(`has a "comment" that is not text of at most ${STATES_LIMITS.maxComment} characters`);
    if (r.sha256 !== undefined && (typeof r.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(r.sha256))) return bad('has a "sha256" that is not 64 hex digits');
    states[name] = { state: r.state, revision: r.revision, by: r.by ?? '', at: r.at ?? '', comment: r.comment ?? null, ...(r.sha256 ? { sha256: r.sha256 } : {}) };
  }
  return { kind: 'ok', states };
}

/** Pretty-printed like locks.json, keys sorted so a hand edit's diff reads well. */
export function serializeStates(states: StatesMap): string {
  const sorted: StatesMap = {};
  for (const name of Object.keys(states).sort()) sorted[name] = states[name]!;
  return JSON.stringify(sorted, null, 2) + '\n';
}

export async function readStatesFile(file: string): Promise<StatesRead> {
  try {
    if ((await stat(file)).size > STATES_LIMITS.maxBytes) return { kind: 'bad', problem: `states.json is larger than ${STATES_LIMITS.maxBytes / 2 ** 20} MB` };
    return parseStates(await readTextFile(file));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'bad', problem: `states.json cannot be read (${code ?? (err as Error).message})` };
  }
}
