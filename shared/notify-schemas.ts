import { z } from 'zod';
import { NOTICE_KINDS, type NoticeKind, type NotificationsBody } from './notify.js';

/* The notification inputs as zod schemas (kept out of shared/notify.ts, which the page imports). */

const kindSwitches = z.object(Object.fromEntries(NOTICE_KINDS.map((k) => [k, z.boolean()])) as Record<NoticeKind, z.ZodBoolean>);

/** `PUT /api/notifications`: any switches, the rest unchanged. */
export const noticeSettingsInput = z
  .object({ settings: z.object({ push: kindSwitches.partial().strict().optional(), mail: kindSwitches.partial().strict().optional() }).strict(), user: z.string().max(100).optional() })
  .strict();

/** A browser's push subscription as `PushSubscription.toJSON()` gives it, bounded. */
export const pushSubscriptionInput = z
  .object({
    subscription: z.object({
      endpoint: z.url({ protocol: /^https?$/ }).max(2048),
      expirationTime: z.number().nullable().optional(),
      keys: z.object({ p256dh: z.string().min(1).max(200), auth: z.string().min(1).max(100) }),
    }),
    user: z.string().max(100).optional(),
  })
  .strict();
export type PushSubscriptionJson = z.infer<typeof pushSubscriptionInput>['subscription'];

export const pushUnsubscribeInput = z.object({ endpoint: z.string().max(2048), user: z.string().max(100).optional() }).strict();


/** `GET/PUT /api/notifications`' answer (checked against its wire type). */
export const notificationsBody = z
  .object({
    user: z.string(),
    push_key: z.string().nullable(),
    push_subscriptions: z.number().int(),
    email: z.string().nullable(),
    mail: z.boolean(),
    settings: z.object({ push: kindSwitches, mail: kindSwitches }),
    remind_after_s: z.number(),
  })
  .meta({ id: 'NotificationsBody', description: 'What a person is told beyond the page, and where' }) satisfies z.ZodType<NotificationsBody>;
