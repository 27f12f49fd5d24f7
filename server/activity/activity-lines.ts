import type { ActivityEvent } from '../../shared/protocol.js';

/** Longest line read back; longer ones (not written by a server) are skipped. */
export const MAX_LINE = 64 * 1024;

const optionalText = (v: unknown) => v === undefined || v === null || typeof v === 'string';

/** An entry as the log holds it: a line that parses but is not one (an array, wrong types) is not served. */
export function isActivityEvent(v: unknown): v is ActivityEvent {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const e = v as Record<string, unknown>;
  return (
    typeof e.id === 'string' && e.id.length > 0 && e.id.length <= 100 &&
    typeof e.at === 'string' && !Number.isNaN(Date.parse(e.at)) &&
    typeof e.type === 'string' && e.type.length <= 50 &&
    typeof e.source === 'string' &&
    optionalText(e.filename) && optionalText(e.user) && optionalText(e.message) &&
    (e.until === undefined || (typeof e.until === 'string' && !Number.isNaN(Date.parse(e.until))))
  );
}

/** One line of the log; a blank or torn line (a writer cut off), or one that is no entry, is skipped. */
export function parseLine(line: string): ActivityEvent | null {
  if (!line.trim() || line.length > MAX_LINE) return null;
  try {
    const e: unknown = JSON.parse(line);
    return isActivityEvent(e) ? e : null;
  } catch {
    return null;
  }
}

/**
 * What to write before new lines so they start on a line of their own: a newline when the file
 * ends in a torn line (an append cut short by a crash or a full disk), else nothing. Without it
 * the next entry would be glued onto the torn one and lost with it.
 */
export function separatorFor(lastByte: number | null): string {
  return lastByte === null || lastByte === 0x0a ? '' : '\n';
}
