import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { printable } from './printable.js';
import { io } from 'socket.io-client';
import { formatSeconds, localTime } from '../../shared/durations.js';
import { RELEASE_STATES, type ErrorBody, type FileStatus, type HistoryBody, type LockAcquiredPayload, type MutationBody, type ReleaseState, type RevisionedEvent, type SnapshotPayload, type StateRecord, type StatesBody, type UndoBody } from '../../shared/protocol.js';

/** A client command's failure: one line on stderr and this exit code (1 refused, 2 usage, 3 unreachable). */
export class ClientError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 | 3,
  ) {
    super(message);
  }
}

export interface ClientFlags {
  url?: string;
  user?: string;
  token?: string;
  /** A file whose first line is the token: unlike `--token`, not shown to others by `ps`. */
  tokenFile?: string;
  json?: boolean;
}

/** `--token`, else the first line of `--token-file`, else `PDM_TOKEN`. */
export function tokenOf(flags: { token?: string; tokenFile?: string }, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flags.token) return flags.token;
  if (flags.tokenFile) {
    let text: string;
    try {
      text = readFileSync(flags.tokenFile, 'utf8');
    } catch (err) {
      throw new ClientError(`cannot read --token-file ${flags.tokenFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 2);
    }
    const token = text.replace(/^\uFEFF/, '').split(/\r?\n/)[0]!.trim();
    if (!token) throw new ClientError(`--token-file ${flags.tokenFile} is empty`, 2);
    return token;
  }
  return env.PDM_TOKEN || undefined;
}

interface Target {
  base: URL;
  headers: Record<string, string>;
  user: string | undefined;
  token: string | undefined;
}

/** `--url`/`PDM_URL`, `--user`/`PDM_USER`, `--token`/`--token-file`/`PDM_TOKEN`. */
export function target(flags: ClientFlags, env: NodeJS.ProcessEnv = process.env): Target {
  const raw = flags.url ?? env.PDM_URL ?? 'http://127.0.0.1:8000';
  let base: URL;
  try {
    base = new URL(raw);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new ClientError(`invalid --url "${raw}": expected http://host:port`, 2);
  }
  const user = flags.user ?? env.PDM_USER;
  const token = tokenOf(flags, env);
  return { base, user, token, headers: { ...(user ? { 'x-pdm-user': user } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) } };
}

/** One call to the API: its JSON body, or ClientError 1 (refused, with the server's detail) or 3 (unreachable). */
export async function call<T>(t: Target, method: string, path: string, body?: unknown, raw?: Buffer): Promise<T> {
  let res: Response;
  try {
    res = await fetch(new URL(path, t.base), {
      method,
      headers: { ...t.headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(raw ? { 'content-type': 'application/octet-stream' } : {}) },
      body: raw ?? (body !== undefined ? JSON.stringify(body) : null),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new ClientError(`cannot reach ${t.base.origin} (${cause?.code ?? cause?.message ?? (err as Error).message})`, 3);
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  if (!res.ok) throw new ClientError((json as ErrorBody | null)?.detail ?? `the server answered ${res.status}`, 1);
  return json as T;
}

const pathOf = (name: string) => `/api/files/${name.split('/').map(encodeURIComponent).join('/')}`;

/** Rows as a padded table with a header on a terminal, tab-separated without one when piped. */
function table(head: string[], raw: string[][], tty: boolean): string {
  const rows = raw.map((r) => r.map(printable));
  if (!tty) return rows.map((r) => r.join('\t').trimEnd()).join('\n');
  const widths = head.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
  const line = (r: string[]) => r.map((c, i) => c.slice(0, widths[i]).padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

/** One line per file: name, status, holder, message, who waits, until when, release state. */
export function formatFiles(files: FileStatus[], tty: boolean, now = Date.now()): string {
  const until = (iso: string | undefined) => (!iso ? '' : tty ? localTime(iso, now) : iso);
  const rows = files.map((f) => [f.name, f.status === 'checked_out' ? 'checked out' : 'available', f.locked_by ?? '', f.lock?.message ?? '', f.queue.length > 0 ? `queue: ${f.queue.map((w) => w.user).join(', ')}` : '', until(f.lock?.until), `${f.state} ${f.revision}`]);
  return table(['NAME', 'STATUS', 'HOLDER', 'MESSAGE', 'WAITING', 'UNTIL', 'STATE'], rows, tty);
}

/** One line per hold, newest first, then one line of statistics. */
export function formatHistory(h: HistoryBody, tty: boolean, now = Date.now()): string {
  // On a terminal times are the reader's (TZ); piped, ISO as the API has them.
  const at = (iso: string) => (tty ? localTime(iso, now) : iso);
  const rows = h.holds.map((x) => [
    x.user,
    at(x.from),
    x.to ? at(x.to) : 'now',
    formatSeconds(((x.to ? Date.parse(x.to) : now) - Date.parse(x.from)) / 1000),
    x.ended ?? 'held',
    x.message ?? '',
    x.comment ?? '',
    x.until ? at(x.until) : '',
  ]);
  const s = h.stats;
  const people = Object.entries(s.holders).sort((a, b) => b[1] - a[1]).map(([u, n]) => `${u} ${n}`).join(', ');
  const summary = s.median_hold_s === null
    ? `${s.holds} hold${s.holds === 1 ? '' : 's'}`
    : `${s.holds} holds; median ${formatSeconds(s.median_hold_s)}, p90 ${formatSeconds(s.p90_hold_s!)}, longest ${formatSeconds(s.longest_hold_s!)}; ${people}`;
  return [rows.length > 0 ? table(['HOLDER', 'FROM', 'TO', 'HELD', 'ENDED', 'MESSAGE', 'COMMENT', 'UNTIL'], rows, tty) : '', tty ? summary : `# ${summary}`].filter(Boolean).join('\n');
}

export async function history(t: Target, name: string, limit?: number): Promise<HistoryBody> {
  return call<HistoryBody>(t, 'GET', `${pathOf(name)}/history${limit ? `?limit=${limit}` : ''}`);
}

/** Undo check-out of each name in turn (not all or nothing: each is its own undo). */
export async function revert(t: Target, names: string[]): Promise<{ files: FileStatus[]; reverted: boolean[] }> {
  const files: FileStatus[] = [];
  const reverted: boolean[] = [];
  for (const name of names) {
    const r = await call<UndoBody>(t, 'POST', '/api/files/checkin', { filename: name, revert: true });
    files.push(r.file);
    reverted.push(r.reverted);
  }
  return { files, reverted };
}

export async function status(t: Target, asked: string[], mine: boolean): Promise<{ files: FileStatus[] }> {
  const { files } = await call<{ files: FileStatus[] }>(t, 'GET', '/api/files');
  // A name in another spelling is the file the server resolves it to (a case-insensitive share).
  const known = new Set(files.map((f) => f.name));
  const names = await Promise.all(asked.map((n) => (known.has(n) ? Promise.resolve(n) : call<FileStatus>(t, 'GET', pathOf(n)).then((f) => f.name, () => n))));
  const wanted = new Set(names);
  const me = t.user ?? (t.token ? (await call<{ user: string | null }>(t, 'GET', '/api/session')).user : null);
  const out = files.filter((f) => (wanted.size === 0 || wanted.has(f.name)) && (!mine || (me !== null && f.locked_by === me)));
  const unknown = names.filter((n) => !files.some((f) => f.name === n));
  if (unknown.length > 0) throw new ClientError(`no tracked file named ${unknown.join(', ')}`, 1);
  return { files: out };
}

/** Signs in (users mode): the session token. */
export async function login(t: Target, user: string, password: string): Promise<string> {
  if (!password) throw new ClientError('no password given (pipe it on stdin, or run this on a terminal)', 2);
  return (await call<{ token: string }>(t, 'POST', '/api/session', { user, password })).token;
}

export async function checkout(t: Target, names: string[], message?: string, until?: string): Promise<{ files: FileStatus[] }> {
  const extra = { ...(message ? { message } : {}), ...(until ? { until } : {}) };
  if (names.length === 1) return { files: [(await call<{ file: FileStatus }>(t, 'POST', '/api/files/checkout', { filename: names[0], ...extra })).file] };
  return call<{ files: FileStatus[] }>(t, 'POST', '/api/files/checkout', { filenames: names, ...extra });
}

export async function checkin(t: Target, names: string[], comment?: string, upload?: string): Promise<{ files: FileStatus[] }> {
  if (upload) {
    if (names.length !== 1) throw new ClientError('--upload takes exactly one file name', 2);
    const bytes = await readFile(upload).catch((err: unknown) => {
      throw new ClientError(`cannot read ${upload} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 2);
    });
    await call(t, 'PUT', `${pathOf(names[0]!)}/content`, undefined, bytes);
  }
  const extra = comment ? { comment } : {};
  if (names.length === 1) return { files: [(await call<{ file: FileStatus }>(t, 'POST', '/api/files/checkin', { filename: names[0], ...extra })).file] };
  return call<{ files: FileStatus[] }>(t, 'POST', '/api/files/checkin', { filenames: names, ...extra });
}

/**
 * Joins the queue and blocks until the file is handed over to the caller (or is already theirs,
 * or free: then it is checked out). Interrupted (Ctrl-C), it leaves the queue first.
 */
export async function waitFor(t: Target, name: string, message: string | undefined, onQueued: (f: FileStatus) => void): Promise<{ files: FileStatus[] }> {
  let queued: FileStatus;
  try {
    queued = (await call<{ file: FileStatus }>(t, 'POST', '/api/files/wait', { filename: name, ...(message ? { message } : {}) })).file;
  } catch (err) {
    // Free now: simply take it.
    if (err instanceof ClientError && /not checked out/.test(err.message)) return checkout(t, [name], message);
    if (err instanceof ClientError && /You hold/.test(err.message)) return status(t, [name], false);
    throw err;
  }
  onQueued(queued);
  const me = queued.queue.at(-1)?.user;
  const socket = io(t.base.origin, { auth: { ...(t.user ? { user: t.user } : {}), ...(t.token ? { token: t.token } : {}) }, transports: ['websocket'] });
  const leave = () => {
    void call(t, 'POST', '/api/files/unwait', { filename: name }).finally(() => process.exit(130));
  };
  process.once('SIGINT', leave);
  try {
    await new Promise<void>((resolve) => {
      const mine = (e: { event: string; data: unknown }) => e.event === 'lock:acquired' && (e.data as LockAcquiredPayload).filename === name && (e.data as LockAcquiredPayload).lock.user === me;
      socket.on('lock:acquired', (data) => mine({ event: 'lock:acquired', data }) && resolve());
      socket.on('batch', (b: { events: RevisionedEvent[] }) => b.events.some(mine) && resolve());
      // Handed over while the socket was connecting: the snapshot says so.
      socket.on('snapshot', (s: SnapshotPayload) => s.locks[name]?.user === me && resolve());
    });
  } finally {
    process.off('SIGINT', leave);
    socket.close();
  }
  return status(t, [name], false);
}

/** `pdm-live state NAME`: the file and its state changes, newest first. */
export async function fileState(t: Target, name: string): Promise<{ file: FileStatus; changes: StateRecord[] }> {
  const [file, states] = await Promise.all([call<FileStatus>(t, 'GET', pathOf(name)), call<StatesBody>(t, 'GET', `${pathOf(name)}/states`)]);
  return { file, changes: states.changes };
}

/** A state as the command line names it; anything else is a usage error (exit 2). */
export function releaseState(v: string): ReleaseState {
  if (!(RELEASE_STATES as readonly string[]).includes(v)) throw new ClientError(`invalid --set "${v}": expected one of ${RELEASE_STATES.join(', ')}`, 2);
  return v as ReleaseState;
}

/** `pdm-live state NAME --set STATE`: the file in its new state. */
export async function setFileState(t: Target, name: string, state: ReleaseState, comment: string | undefined, password: string | undefined): Promise<{ files: FileStatus[] }> {
  const body = await call<MutationBody>(t, 'POST', `${pathOf(name)}/state`, { state, ...(comment ? { comment } : {}), ...(password !== undefined ? { password } : {}), ...(t.user ? { user: t.user } : {}) });
  return { files: [body.file] };
}

/** A file's state line, then its changes (a table on a terminal, tab-separated when piped). */
export function formatStates(s: { file: FileStatus; changes: StateRecord[] }, tty: boolean, now = Date.now()): string {
  const at = (iso: string) => (!iso ? '' : tty ? localTime(iso, now) : iso);
  const head = `${s.file.name}: ${s.file.state} ${s.file.revision}${s.file.state_changed ? ` (${s.file.state_changed.by}, ${at(s.file.state_changed.at)})` : ''}`;
  const rows = s.changes.map((c) => [c.state, c.revision, c.by, at(c.at), c.comment ?? '']);
  return [printable(head), rows.length > 0 ? table(['STATE', 'REVISION', 'BY', 'AT', 'COMMENT'], rows, tty) : ''].filter(Boolean).join('\n');
}
