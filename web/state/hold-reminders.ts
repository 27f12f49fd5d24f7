import type { FileStatus } from '../../shared/protocol.js';
import { formatSeconds, localDay } from '../../shared/durations.js';

/**
 * The page's reminders (CONTRACT §19): your holds longer than the server's `--remind-after`, or
 * past their `until`, told once a day in this browser (`shown` remembers the day per file).
 */
export function dueReminders(files: Iterable<FileStatus>, me: string, now: number, remindAfterS: number, shown: Map<string, string>): string[] {
  const today = localDay(now);
  const out: string[] = [];
  for (const f of files) {
    if (f.locked_by !== me || !f.lock) continue;
    const heldS = (now - Date.parse(f.lock.timestamp)) / 1000;
    const overdue = f.lock.until !== undefined && Date.parse(f.lock.until) < now;
    if ((heldS < remindAfterS && !overdue) || shown.get(f.name) === today) continue;
    shown.set(f.name, today);
    out.push(`${overdue ? `${f.name} is overdue` : `You have held ${f.name} for ${formatSeconds(heldS)}`}: check it in when you are done, or set a new Until.`);
  }
  return out;
}
