import type { ActivityEvent, LockInfo } from '../../shared/protocol.js';
import type { Notice } from '../../shared/notify.js';

/**
 * The personal notices an activity entry makes (CONTRACT §16, §19): a hand-off to its new holder,
 * a nudge to the holder, a forced release to whoever lost the lock, a state change to the file's
 * holder and those waiting for it (not to whoever made it). `lockOf` is the file's lock now.
 */
export function noticesOf(e: ActivityEvent, lockOf: (filename: string) => LockInfo | null): Notice[] {
  const file = e.filename;
  if (!file) return [];
  const notice = (kind: Notice['kind'], user: string, title: string, body: string | null): Notice => ({ kind, user, filename: file, title, body: body ?? '', at: e.at });
  switch (e.type) {
    case 'checkout':
      return e.handoff && e.user ? [notice('handoff', e.user, `${file} is yours now`, `Handed over from ${e.previous_user ?? 'its previous holder'}: it was released while you waited for it.`)] : [];
    case 'nudge':
      return e.previous_user && e.user ? [notice('nudge', e.previous_user, `${e.user} asks you to release ${file}`, e.message)] : [];
    case 'force_release':
      return e.previous_user && e.previous_user !== e.user ? [notice('forced', e.previous_user, `${e.user ?? 'An admin'} force-released ${file}`, e.message ? `Reason: ${e.message}` : null)] : [];
    case 'state_changed': {
      const lock = lockOf(file);
      const people = new Set([lock?.user, ...(lock?.queue ?? []).map((q) => q.user)].filter((u): u is string => !!u && u !== e.user));
      const title = `${file} is now ${e.state ?? 'changed'}${e.revision ? ` (revision ${e.revision})` : ''}`;
      return [...people].map((u) => notice('state', u, title, `By ${e.user ?? 'someone'}${e.message ? `: ${e.message}` : ''}`));
    }
    default:
      return [];
  }
}
