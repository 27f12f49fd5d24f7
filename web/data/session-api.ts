// The session calls (README.md, Users mode).
import type { ErrorBody, SessionBody, SignInBody } from '../../shared/protocol.js';
import { callerHeaders } from './http-api.js';

export type Mode = SessionBody['mode'];

export interface SessionInfo {
  mode: Mode;
  /** null: nobody yet (open mode without a name, or users mode signed out). */
  user: string | null;
  role: 'user' | 'admin';
  /** Users mode with directory sign-in: what the form says it signs in to (`--ldap-label`). */
  directory?: string;
  /** What `Copy path` puts before a name ('' before sign-in). */
  share_path: string;
  /** May release and retire files. */
  approver?: boolean;
}

export async function getSession(openName: string | null): Promise<SessionInfo> {
  const res = await fetch('/api/session', { headers: callerHeaders(openName) });
  if (res.status === 401) {
    const body = (await res.json().catch(() => ({}))) as { directory?: unknown };
    return { mode: 'users', user: null, role: 'user', share_path: '', ...(typeof body.directory === 'string' ? { directory: body.directory } : {}) };
  }
  if (!res.ok) throw new Error(`GET /api/session answered ${res.status}`);
  const body = (await res.json()) as SessionBody;
  return { mode: body.mode, user: body.user, role: body.role, share_path: body.share_path, approver: body.approver === true };
}

/** Signs in; the server sets the httpOnly cookie the socket handshake then carries. */
export async function signIn(user: string, password: string): Promise<SessionInfo | { error: string }> {
  const res = await fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, password }) });
  const body = (await res.json().catch(() => ({}))) as Partial<SignInBody & ErrorBody>;
  if (!res.ok || !body.user) return { error: body.detail ?? `Sign-in failed (${res.status}).` };
  // Whether they may approve releases is the session's (the cookie is set now).
  const approver = (await getSession(null).catch(() => null))?.approver === true;
  return { mode: 'users', user: body.user, role: body.role ?? 'user', share_path: body.share_path ?? '', approver };
}

export async function signOut(): Promise<void> {
  await fetch('/api/session', { method: 'DELETE' });
}
