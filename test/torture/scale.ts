/** `npm run torture` sets TORTURE=full; `npm test` runs the short version of each scenario. */
export const FULL = process.env.TORTURE === 'full';

export function pick<T>(short: T, full: T): T {
  return FULL ? full : short;
}

/** Figures a scenario measured, printed as one line so RELIABILITY.md can quote them. */
export function report(scenario: string, figures: Record<string, unknown>): void {
  process.stdout.write(`[torture] ${scenario}: ${Object.entries(figures).map(([k, v]) => `${k}=${String(v)}`).join(' ')}\n`);
}

/** Replays activity.jsonl: a check-out of a file already held is a double grant. */
export function replayGrants(lines: Array<{ type: string; filename: string; user: string | null; previous_user?: string | null }>) {
  const held = new Map<string, string>();
  const violations: string[] = [];
  for (const e of lines) {
    if (e.type === 'checkout') {
      if (held.has(e.filename)) violations.push(`${e.filename} granted to ${e.user} while held by ${held.get(e.filename)}`);
      held.set(e.filename, e.user ?? '');
    } else if (e.type === 'checkin' || e.type === 'force_release') {
      if (!held.has(e.filename)) violations.push(`${e.filename} released while not held`);
      held.delete(e.filename);
    }
  }
  return { held, violations };
}
