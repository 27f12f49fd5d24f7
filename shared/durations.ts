/** `42 s`, `5 min`, `3 h 5 min`, `2 d 4 h`: a length of time as people read it (the terminal and the page). */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.round(seconds / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h} h ${m % 60} min` : `${Math.floor(h / 24)} d ${h % 24} h`;
}

const two = (n: number) => String(n).padStart(2, '0');

/**
 * A moment in the reader's time zone: `15:30` today, `2026-12-08 15:30` on another day (the
 * page, and the terminal on a terminal; piped output keeps ISO times).
 */
export function localTime(iso: string, now: number = Date.now()): string {
  const d = new Date(iso);
  const today = new Date(now);
  const time = `${two(d.getHours())}:${two(d.getMinutes())}`;
  const sameDay = d.getFullYear() === today.getFullYear() && d.getMonth() === today.getMonth() && d.getDate() === today.getDate();
  return sameDay ? time : `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${time}`;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `45m`, `12h`, `3d` (a number and a unit) in ms; null for anything else. */
export function parseDuration(text: string): number | null {
  const m = /^\s*(\d{1,6})\s*([smhd])\s*$/i.exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2]!.toLowerCase()]! : null;
}

/** The local calendar day of `ms` (`2026-12-07`, the server's time zone): one reminder per day is counted by it. */
export function localDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}
