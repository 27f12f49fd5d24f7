import type { ActivityBody, ActivityEvent, HistoryBody } from '../../shared/protocol.js';
import { fileUrl, getJson } from './http-api.js';

// History and the activity log over HTTP (pages of the log are not pushed: they are asked for).

/** A file's past holds, newest first, with statistics. */
export function fileHistory(name: string): Promise<HistoryBody> {
  return getJson<HistoryBody>(fileUrl(name, 'history'));
}

/** The feed's filters: '' for any. */
export interface ActivityFilters {
  filename: string;
  user: string;
}

/** Up to `limit` entries (oldest first) matching `filters`, older than `before` when given. */
export async function activityPage(filters: ActivityFilters, before: string | null, limit = 100): Promise<ActivityEvent[]> {
  // Part of the name or person, any case: as the list's Filter matches.
  const q = new URLSearchParams({ limit: String(limit), match: 'part' });
  if (filters.filename) q.set('filename', filters.filename);
  if (filters.user) q.set('user', filters.user);
  if (before) q.set('before', before);
  return (await getJson<ActivityBody>(`/api/activity?${q.toString()}`)).events;
}

/** The newest `limit` entries, oldest first (the feed when a connection opens). */
export async function latestActivity(limit = 100): Promise<ActivityEvent[]> {
  return (await getJson<ActivityBody>(`/api/activity?limit=${limit}`)).events;
}
