import type { VaultSpelling } from '../files/file-commands.js';
import { Router, type Request } from 'express';
import type { ActivityBody, HistoryBody } from '../../shared/protocol.js';
import type { ActivityLog } from '../activity/activity-log.js';
import { activityCsv, matches } from '../activity/activity-search.js';
import { activityQuerySchema, historyQuerySchema, parseInput, searchesActivity } from '../files/command-schemas.js';
import { existingTracked, type VaultLayout } from '../vault/vault-paths.js';

export interface ActivityRoutesDeps {
  activity: ActivityLog;
  layout: VaultLayout;
  spelling: VaultSpelling;
}

const nameOf = (req: Request) => (req.params as { name: string[] }).name.join('/');

/**
 * The activity log (README.md, HTTP API): a page of entries, filtered, paged backwards, or as
 * CSV; and a file's holds with their statistics. Mounted before the plain `/files/*name` routes.
 */
export function activityRoutes(d: ActivityRoutesDeps): Router {
  const r = Router();

  r.get('/activity', async (req, res) => {
    const q = parseInput(activityQuerySchema, req.query);
    // A file asked for in another spelling, on a vault that takes it as the same file, is that file.
    const part = q.match === 'part';
    const filename = q.filename === undefined || part ? q.filename : await d.spelling.locate(q.filename);
    const filter = { filename, user: q.user, types: q.type, since: q.since, until: q.until, part };
    const searching = searchesActivity(q);
    const limit = q.limit ?? 100;
    // `after` (a subscriber catching up) pages forwards; filters then apply to that page.
    const events = !searching ? await d.activity.query(limit, q.after) : q.after !== undefined ? (await d.activity.query(limit, q.after)).filter((e) => matches(e, filter)) : await d.activity.search(filter, limit, q.before);
    if (q.format === 'csv') {
      res.type('text/csv; charset=utf-8').attachment('activity.csv').send(activityCsv(events));
      return;
    }
    res.json({ events } satisfies ActivityBody);
  });

  r.get('/files/*name/history', async (req, res) => {
    const name = await d.spelling.locate(nameOf(req));
    const q = parseInput(historyQuerySchema, req.query);
    // A file that is gone still has its history; only a name that is not one is refused.
    await existingTracked(d.layout, name).catch(async (err: unknown) => {
      if ((await d.activity.history(name, 1)).stats.holds === 0) throw err;
    });
    res.json((await d.activity.history(name, q.limit ?? 100)) satisfies HistoryBody);
  });

  return r;
}
