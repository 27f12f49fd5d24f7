import type { ErrorBody } from '../../shared/protocol.js';

/**
 * The page's one way to a file's URL: `/api/files/{name}` with each folder of the name encoded
 * on its own, then `more` (e.g. `history`, `versions/3/content`).
 */
export function fileUrl(name: string, ...more: Array<string | number>): string {
  return ['/api/files', ...name.split('/').map(encodeURIComponent), ...more.map(String)].join('/');
}

/** Open mode names the caller with a header; users mode sends the session cookie by itself. */
export function callerHeaders(user: string | null): Record<string, string> {
  return user ? { 'x-pdm-user': user } : {};
}

/** The server's refusal of an answer that is not ok: its `detail`, else the status. */
export async function refusalOf(res: Response): Promise<string> {
  return ((await res.json().catch(() => ({}))) as Partial<ErrorBody>).detail ?? `HTTP ${res.status}`;
}

/** GET as JSON; a refusal throws with the server's `detail`. */
export async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(url, { headers });
  if (!res.ok) throw new Error(await refusalOf(res));
  return (await res.json()) as T;
}
