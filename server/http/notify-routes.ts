import { Router } from 'express';
import type { NotificationsBody } from '../../shared/notify.js';
import { noticeSettingsInput, pushSubscriptionInput, pushUnsubscribeInput } from '../../shared/notify-schemas.js';
import { parseInput } from '../files/command-schemas.js';
import type { Notifier } from '../notify/notifier.js';
import type { CallerOf } from './caller.js';
import { jsonBody } from './json-body.js';

/**
 * The Notifications panel's API (CONTRACT §19): what a person gets and where, their switches, and
 * their browsers' push subscriptions. Mount behind `sessionGuard`; in open mode `user` names them.
 */
export function notifyRoutes(d: { notifier: Notifier; callerOf: CallerOf }): Router {
  const r = Router();
  const json = jsonBody('16kb');
  const claimed = (v: unknown) => (typeof v === 'string' ? v : undefined);

  r.get('/notifications', async (req, res) => {
    const caller = await d.callerOf(req, claimed(req.query.user));
    res.json((await d.notifier.body(caller.user)) satisfies NotificationsBody);
  });
  r.put('/notifications', json, async (req, res) => {
    const input = parseInput(noticeSettingsInput, req.body);
    const caller = await d.callerOf(req, input.user);
    res.json((await d.notifier.setSettings(caller.user, input.settings)) satisfies NotificationsBody);
  });
  r.post('/notifications/push', json, async (req, res) => {
    const input = parseInput(pushSubscriptionInput, req.body);
    const caller = await d.callerOf(req, input.user);
    res.json((await d.notifier.subscribe(caller.user, input.subscription)) satisfies NotificationsBody);
  });
  r.delete('/notifications/push', json, async (req, res) => {
    const input = parseInput(pushUnsubscribeInput, req.body);
    const caller = await d.callerOf(req, input.user);
    res.json((await d.notifier.unsubscribe(caller.user, input.endpoint)) satisfies NotificationsBody);
  });
  return r;
}
