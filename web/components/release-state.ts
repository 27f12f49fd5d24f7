import { html } from 'lit';
import type { FileStatus, ReleaseState } from '../../shared/protocol.js';
import { nextRevision } from '../../shared/file-status.js';

// How the page shows release states (CONTRACT §18): the row's label, the changes the caller may
// make, the summary's counts. The server decides; these only offer what it would accept.

const NAMES: Record<ReleaseState, string> = { draft: 'Draft', proven: 'Proven', released: 'Released', obsolete: 'Obsolete' };

/** `Released B`. */
export const stateText = (f: Pick<FileStatus, 'state' | 'revision'>) => `${NAMES[f.state]} ${f.revision}`;

/** The row's label, coloured by state. */
export function stateBadge(f: FileStatus) {
  const by = f.state_changed ? ` by ${f.state_changed.by}${f.state_changed.comment ? `: ${f.state_changed.comment}` : ''}` : '';
  return html`<span class="state state-${f.state}" title="${stateText(f)}${by}">${stateText(f)}</span>`;
}

/** A change the row offers: its button's words and the state it asks for. */
export interface StateStep {
  to: ReleaseState;
  label: string;
}

/** The changes `f` can take from someone who is (or is not) an approver; none while it is checked out. */
export function stateSteps(f: FileStatus, approver: boolean): StateStep[] {
  if (f.locked_by !== null) return [];
  switch (f.state) {
    case 'draft':
      return [{ to: 'proven', label: 'Mark proven' }];
    case 'proven':
      return approver ? [{ to: 'released', label: 'Release' }] : [];
    case 'released':
      return approver ? [{ to: 'obsolete', label: 'Make obsolete' }] : [];
    case 'obsolete':
      return approver ? [{ to: 'draft', label: 'Back to draft' }] : [];
  }
}

/** What the dialog asks: a comment to release or retire, the password again to release in users mode. */
export const needsComment = (to: ReleaseState) => to === 'released' || to === 'obsolete';

/** The summary's release counts: `3 drafts · 2 proven awaiting release` (drafts only when others exist). */
export function stateCounts(files: readonly FileStatus[]): Array<[ReleaseState, number, string]> {
  const n = (s: ReleaseState) => files.filter((f) => f.state === s).length;
  const drafts = n('draft');
  const proven = n('proven');
  const released = n('released');
  const obsolete = n('obsolete');
  if (proven + released + obsolete === 0) return [];
  const parts: Array<[ReleaseState, number, string]> = [
    ['draft', drafts, drafts === 1 ? 'draft' : 'drafts'],
    ['proven', proven, 'proven awaiting release'],
    ['released', released, 'released'],
    ['obsolete', obsolete, 'obsolete'],
  ];
  return parts.filter(([, count]) => count > 0);
}

/**
 * What checking these files out starts: each proven, released or obsolete one becomes a draft of
 * its next revision (`PN1001.mcam` → `B`). The checkout dialog asks before it does it.
 */
export function startedRevisions(files: ReadonlyArray<FileStatus | undefined>): Map<string, { from: string; to: string }> {
  const out = new Map<string, { from: string; to: string }>();
  for (const f of files) if (f && f.state !== 'draft' && !f.locked_by) out.set(f.name, { from: stateText(f), to: nextRevision(f.revision) });
  return out;
}
