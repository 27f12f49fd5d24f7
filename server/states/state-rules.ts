import type { ReleaseState, StateRecord } from '../../shared/protocol.js';
import { AppError } from '../errors.js';
import { nextRevision } from '../../shared/file-status.js';

export { nextRevision };

/** A file nobody has given a state: a draft at its first revision. */
export const FIRST: Pick<StateRecord, 'state' | 'revision'> = { state: 'draft', revision: 'A' };

/** A revision label: letters as spreadsheet columns (A … Z, AA … ZZ, AAA), at most 3. */
export const REVISION = /^[A-Z]{1,3}$/;

/** `--protect`: a released or obsolete file stays read-only on disk even under a lock. */
export function neverWritable(state: ReleaseState): boolean {
  return state === 'released' || state === 'obsolete';
}

/** Whether checking the file out starts its next revision (the content it had stays a version). */
export function startsRevision(state: ReleaseState): boolean {
  return state !== 'draft';
}

/** Who makes each transition: `anyone` signed in, or `approvers` (admins and --approvers). */
const TRANSITIONS: Partial<Record<`${ReleaseState}>${ReleaseState}`, 'anyone' | 'approvers'>> = {
  'draft>proven': 'anyone',
  'proven>released': 'approvers',
  'released>obsolete': 'approvers',
  'obsolete>draft': 'approvers',
};

/** What a transition needs besides who may make it. */
export interface TransitionNeeds {
  /** `released` and `obsolete` say why. */
  comment: boolean;
  /** `released` in users mode: the approver's password again (an electronic signature). */
  signature: boolean;
}

/**
 * Checks that `caller` may move a file from `from` to `to` (throws the contract's refusal), and
 * answers what else it needs.
 */
export function checkTransition(from: ReleaseState, to: ReleaseState, approver: boolean, usersMode: boolean): TransitionNeeds {
  const who = TRANSITIONS[`${from}>${to}`];
  if (!who) throw new AppError('INVALID_TRANSITION', `A ${from} file cannot become ${to}: ${allowedFrom(from)}.`);
  if (who === 'approvers' && !approver) throw new AppError('FORBIDDEN', `Only an approver may make a ${from} file ${to} (admins and --approvers).`);
  return { comment: to === 'released' || to === 'obsolete', signature: to === 'released' && usersMode };
}

function allowedFrom(from: ReleaseState): string {
  const next = Object.keys(TRANSITIONS).filter((k) => k.startsWith(`${from}>`)).map((k) => k.split('>')[1]);
  return next.length > 0 ? `it can become ${next.join(' or ')}` : 'it has no next state';
}

/**
 * The revision a check-out of the file starts, told from its state as it is (`now`) and the new
 * lock: the next one when it was proven, released or obsolete; its own when the check-out has
 * started it already (that record's time is the lock's); none for a draft.
 */
export function newRevision(now: { state: ReleaseState; revision: string; state_changed: { at: string } | null }, lock: { timestamp: string }): string | undefined {
  if (startsRevision(now.state)) return nextRevision(now.revision);
  return now.state_changed?.at === lock.timestamp ? now.revision : undefined;
}
