/**
 * Personal notices (CONTRACT §16, §19): what one person is told, wherever they are. The page
 * shows them from its socket; with every tab closed they come by Web Push and e-mail.
 */
export const NOTICE_KINDS = ['handoff', 'nudge', 'forced', 'state', 'reminder'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** The ways a notice leaves the page. */
export const NOTICE_CHANNELS = ['push', 'mail'] as const;
export type NoticeChannel = (typeof NOTICE_CHANNELS)[number];

/** What the Notifications panel calls each kind. */
export const NOTICE_LABELS: Record<NoticeKind, string> = {
  handoff: 'A file is handed over to you',
  nudge: 'Someone asks you to release a file',
  forced: 'Your check-out is force-released',
  state: 'A file you hold or wait for changes state',
  reminder: 'Reminders of long or overdue check-outs',
};

/** One notice for one person. */
export interface Notice {
  kind: NoticeKind;
  /** Who it is for. */
  user: string;
  filename: string;
  /** One line: what happened. */
  title: string;
  /** More, or "". */
  body: string;
  at: string;
}

/** Per channel, per kind: on or off (everything is on until its owner says otherwise). */
export type NoticeSettings = Record<NoticeChannel, Record<NoticeKind, boolean>>;

/** `GET /api/notifications`: what the server can do and what this person gets. */
export interface NotificationsBody {
  user: string;
  /** Web Push is on (`--push`): the key a browser subscribes with; null when off. */
  push_key: string | null;
  /** Subscriptions this person has (browsers that get pushes). */
  push_subscriptions: number;
  /** Mail is on (`--smtp-url`) and this person has an address: where it goes; else null. */
  email: string | null;
  /** Mail is on on this server. */
  mail: boolean;
  settings: NoticeSettings;
  /** `--remind-after` in seconds: the page reminds its holder of holds longer than this. */
  remind_after_s: number;
}

/** Everything on. */
export function defaultNoticeSettings(): NoticeSettings {
  const all = () => Object.fromEntries(NOTICE_KINDS.map((k) => [k, true])) as Record<NoticeKind, boolean>;
  return { push: all(), mail: all() };
}
