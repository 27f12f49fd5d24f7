import type { ReleaseState, StateRecord, StatesBody } from '../../shared/protocol.js';
import { callerHeaders, fileUrl, getJson, refusalOf } from './http-api.js';

// Release states over HTTP (CONTRACT §18: the route takes a password, which is not a socket's).

/** Gives a file a release state; answers the server's refusal, or null once done. */
export async function setState(name: string, state: ReleaseState, comment: string, password: string, user: string | null): Promise<string | null> {
  const body = { state, ...(comment ? { comment } : {}), ...(password ? { password } : {}) };
  const res = await fetch(fileUrl(name, 'state'), { method: 'POST', headers: { ...callerHeaders(user), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return res.ok ? null : refusalOf(res);
}

/** A file's release state changes, newest first. */
export async function stateChanges(name: string): Promise<StateRecord[]> {
  return (await getJson<StatesBody>(fileUrl(name, 'states'))).changes;
}
