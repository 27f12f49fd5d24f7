import { createServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import { hostname } from 'node:os';
import express from 'express';
import { ActivityLog } from './activity/activity-log.js';
import { journalFor } from './activity/activity-journal.js';
import { BackgroundWork } from './background-work.js';
import { callerOf } from './http/caller.js';
import { openApiRoute } from './http/openapi.js';
import { packageVersion } from './package-files.js';
import { versionRoutes } from './http/version-routes.js';
import { endWarningsOnCheckin, keepHandEditedCheckouts } from './versions/lock-followers.js';
import type { LockChange } from './locks/lock-diff.js';
import { VersionContent } from './versions/version-content.js';
import { EditWarnings } from './versions/edit-warnings.js';
import { VaultChanges } from './versions/vault-changes.js';
import { VersionStore } from './versions/version-store.js';
import { cleanLeftoverUploads } from './versions/upload.js';
import { heapFigures } from './threads/start-worker.js';
import { signInFor } from './auth/sign-in.js';
import { signInLimiters } from './auth/sign-in-limits.js';
import { sessionRoutes } from './http/session-routes.js';
import { lfsRoutes } from './lfs/lfs-routes.js';
import { metricsRoutes } from './http/metrics-routes.js';
import { PdmMetrics, prometheusRoutes } from './http/prometheus.js';
import { securityHeaders } from './http/security-headers.js';
import { withDefaults, type AppConfig, type AppSettings } from './config.js';
import { FileBoard } from './files/file-board.js';
import { FileCommands, type VaultSpelling } from './files/file-commands.js';
import { CommandBudgets } from './files/command-budgets.js';
import { followRespelledFiles } from './files/respelled-files.js';
import type { LocksMap } from '../shared/protocol.js';
import { UndoCheckout } from './versions/undo-checkout.js';
import { activityRoutes } from './http/activity-routes.js';
import { Nudges } from './files/nudges.js';
import { handOffRemoved, mayReceiveHandOff } from './files/queue.js';
import { Publisher } from './publisher.js';
import { Presence } from './realtime/presence.js';
import { apiNotFound, errorHandler } from './http/error-handler.js';
import { filesRoutes, healthRoute } from './http/files-routes.js';
import { sessionGuard, signerFirst } from './http/session-guard.js';
import { StateStore } from './states/state-store.js';
import { WebhookDelivery } from './notify/webhook-delivery.js';
import { Notifier } from './notify/notifier.js';
import { ClusterLink } from './cluster/cluster-link.js';
import { PUSH_SERVICES } from './notify/push-sender.js';
import { notifyRoutes } from './http/notify-routes.js';
import { fileSha256 } from './storage/file-digest.js';
import { existingTracked } from './vault/vault-paths.js';
import { neverWritable } from './states/state-rules.js';
import { StateCommands } from './states/state-commands.js';
import { foldName } from './auth/name-fold.js';
import { serveWeb } from './http/static-web.js';
import { DataWatcher } from './locks/data-watcher.js';
import { LockStore } from './locks/lock-store.js';
import { createLogger, type Logger } from './logger.js';
import { createSocketHub, type PdmServer, type SocketHub } from './realtime/socket-hub.js';
import { originGuard, originPolicyFor } from './auth/request-origin.js';
import { VaultIndex } from './vault/vault-index.js';
import { limitConnections } from './http/connection-limits.js';
import { requestBudget } from './http/request-budget.js';
import { ContentTurns } from './versions/content-turns.js';
import { contentKeeper } from './versions/content-keeper.js';
import { folds, nameKey, probeVaultNames, respellLocks } from './vault/name-rules.js';
import type { VaultLayout } from './vault/vault-paths.js';
import { VaultWatcher } from './vault/vault-watcher.js';
import { ShareProtection } from './vault/share-protection.js';

/** This server's own address, for links when `--public-url` is not given. */
function ownUrl(server: HttpServer, tls: boolean): string {
  const a = server.address();
  return `${tls ? 'https' : 'http'}://${hostname()}${typeof a === 'object' && a ? `:${a.port}` : ''}`;
}

export interface PdmApp {
  httpServer: HttpServer;
  io: PdmServer;
  board: FileBoard;
  store: LockStore;
  activity: ActivityLog;
  /** Push, mail and reminders (tests drive its reminders with their own clock). */
  notifier: Notifier;
  /** Stops watchers, finishes queued writes, closes sockets and the HTTP server. */
  close(): Promise<void>;
}

export type AppOptions = AppSettings & { logger?: Logger };

/**
 * Builds the whole server (store, index, watchers, HTTP, Socket.IO) without listening: the caller
 * decides the port. The vault must exist; the data folder is created.
 */
export async function createApp(options: AppOptions): Promise<PdmApp> {
  const { logger: given, ...settings } = options;
  const config: AppConfig = withDefaults(settings);
  const logger = given ?? createLogger();
  const layout: VaultLayout = { root: config.repo, dataDir: config.dataDir, extensions: config.extensions };

  const { identity, accounts, tokens } = await signInFor({ usersFile: config.usersFile, ldap: config.ldap, admins: config.admins, dataDir: config.dataDir, keysDir: config.keysDir, logger });
  const known = mayReceiveHandOff(accounts ?? null);
  const activity = new ActivityLog(join(config.dataDir, 'activity.jsonl'), logger, config.staleMs);
  // One file, one lock, whatever the spelling: how this vault's file system compares names.
  const rules = config.nameRules ?? (await probeVaultNames(layout, logger));
  if (folds(rules)) activity.sameFile((a, b) => nameKey(rules, a) === nameKey(rules, b));
  const index = new VaultIndex(layout, rules);
  await index.scan();
  const spelling: VaultSpelling = { now: (n) => index.spelling(n), locate: (n) => index.locate(n) };
  let io: PdmServer | null = null;
  const journal = journalFor(activity);
  // Set once versions exist: the store's start-up may journal a hand edit before that.
  let handEdited: (drift: readonly LockChange[]) => void = () => undefined;
  const store = new LockStore({
    file: config.locksFile,
    journaledFile: join(config.dataDir, 'locks.journaled.json'),
    staleMs: config.staleMs,
    groupCommit: config.groupCommit,
    logger,
    // Appended under the lock by the store's commit thread; published after the lock events (see
    // below) so they go out first.
    activityFile: activity.file,
    thread: true,
    debugHoldMs: config.debugHoldMs ?? 0,
    commitTimed: (seconds) => prom.commitSeconds(seconds),
    journal: (entries) => {
      handEdited(entries.drift);
      return journal(entries);
    },
    followDrift: (drift, draft) => handOffRemoved(drift, draft, known),
    ...(folds(rules) ? { respell: (locks: LocksMap) => respellLocks(locks, rules, (n) => index.spelling(n)) } : {}),
  });
  // --webhook: the activity log is their queue (delivered behind the commands, never in their way).
  const webhooks = config.webhooks.length > 0 ? new WebhookDelivery({ urls: config.webhooks, secret: config.webhookSecret, activityFile: activity.file, dataDir: config.dataDir, staleMs: config.staleMs, logLevel: logger.level }, logger) : null;
  const prom = new PdmMetrics({ sockets: () => io?.engine.clientsCount ?? 0, locksHeld: () => Object.keys(store.snapshot()).length, webhooks: () => webhooks?.figures() ?? [] });
  // The log first: the store's start-up may journal drift, which looks at the log's last entries.
  await activity.open();
  await store.open();
  activity.waitBeforeQuery(() => store.settled());
  const states = new StateStore(join(config.dataDir, 'states.json'), config.staleMs, logger);
  await states.open();
  const warnings = new EditWarnings(join(config.dataDir, 'edit-warnings.json'));
  await warnings.load();
  const versions = new VersionStore(join(config.dataDir, 'versions'), config.keepVersions, { root: layout.root, dataDir: layout.dataDir }, config.staleMs, rules);
  // --protect: read-only on the share unless checked out (and unless its mode cannot be changed).
  const protection = config.protect
    ? new ShareProtection({ layout, dataDir: config.dataDir, staleMs: config.staleMs, logger, changed: (name) => {
        board.touch(name);
        board.announceHealth();
      }, readOnlyChanged: (names) => board.touchMany(names) }, (name) => store.get(name) !== null && !neverWritable(states.fields(name).state))
    : null;
  const board = new FileBoard(index, store, (name) => warnings.has(name), (name) => protection?.shownProtected(name) ?? false, () => protection?.problem() ?? states.problem() ?? webhooks?.problem() ?? null, (name) => states.fields(name));
  // Serialise every file once now, not on the first request (100,000 files: ~300 ms).
  board.filesJson();
  const background = new BackgroundWork(logger);
  const staging = join(config.dataDir, 'uploads');
  // Upload temp files a killed server left behind (in the background: it walks the vault).
  background.track(cleanLeftoverUploads(layout, staging, logger), 'removing upload temp files');
  handEdited = keepHandEditedCheckouts({ index, layout, versions, background });
  const turns = new ContentTurns(join(config.dataDir, 'versions'), rules, config.staleMs);
  let vaultWatcher: VaultWatcher | null = null;
  const keeper = contentKeeper({ logger, layout, index, versions, turns, settled: (abs, maxMs) => vaultWatcher?.settled(abs, maxMs) ?? Promise.resolve() });
  const stateCommands = new StateCommands({ states, locks: store, board, activity, spelling, approvers: new Set(config.approvers.map(foldName)), accounts: identity.mode === 'users' ? (accounts ?? null) : null, contentSha: async (name) => fileSha256((await existingTracked(layout, name)).abs) });
  const commands = new FileCommands(layout, store, board, known, spelling, keeper, new CommandBudgets(config.commandBudget), (names) => stateCommands.startRevisions(names));
  const presence = new Presence(config.dataDir, logger);
  await presence.start();
  const nudges = new Nudges(store, activity, (name) => index.get(name) !== undefined, (name) => commands.name(name), undefined, (user) => presence.peek(user).online);
  const notifier = new Notifier({
    dataDir: config.dataDir, keysDir: config.keysDir, activityFile: activity.file, staleMs: config.staleMs, logger,
    push: config.push, pushServices: [...PUSH_SERVICES, ...(config.pushServices ?? [])], mail: config.mail, remindAfterMs: config.remindAfterMs,
    publicUrl: () => config.publicUrl ?? ownUrl(httpServer, config.tls !== undefined),
    locks: () => store.snapshot(), lockOf: (name) => store.get(name),
    presence: (user) => presence.peek(user),
    addressOf: async (user) => (accounts ? ((await accounts.current(user))?.email ?? null) : null),
    admins: async () => [...config.admins, ...((await accounts?.admins()) ?? [])],
    ...(config.notifyClock ? { now: config.notifyClock } : {}),
    ...(config.mailEveryMs ? { mailEveryMs: config.mailEveryMs } : {}),
  });
  // --cluster: another node's notice makes this one read the share now (never act on the notice itself).
  const cluster = config.cluster
    ? new ClusterLink({
        url: config.cluster, dataDir: config.dataDir, logger, locksAt: () => store.newestCopyNs(),
        changed: (n) => {
          logger.debug({ from: n.from, what: n.what }, 'a notice from another node: reading the share now');
          if (n.what.includes('locks')) void (n.locksAt && /^\d{1,30}$/.test(n.locksAt) ? store.noticed(BigInt(n.locksAt)) : store.refresh());
          if (n.what.includes('states')) void states.refresh();
          void activity.poll();
        },
        caughtUp: () => {
          void store.refresh();
          void states.refresh();
          void activity.poll();
        },
        stateChanged: () => board.announceHealth(),
      })
    : null;
  if (cluster) board.followCluster(() => cluster.status);
  const vaultChanges = new VaultChanges({ layout, board, store, activity, versions, warnings, logger, turns });
  const publisher = new Publisher({
    store, board, activity, presence, nudges, metrics: prom, protection, states, stateCommands, webhooks, notifier, cluster,
    endWarnings: endWarningsOnCheckin({ warnings, board }),
    rememberReleases: (changes) => vaultChanges.followReleases(changes),
  });
  const content = new VersionContent({ layout, index, store, versions, changes: vaultChanges, activity, maxUploadBytes: config.maxUploadBytes, staging, turns });
  const undo = new UndoCheckout(layout, store, commands, content);
  const caller = callerOf(identity);

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // --trust-proxy: req.ip (sign-in limits, the log), req.secure (the cookie's Secure) and
  // req.protocol (the Origin check) believe the named proxies' X-Forwarded-* headers.
  app.set('trust proxy', config.trustProxy ?? false);
  // No ETag on API answers: they change with every revision (clients follow the revision, not
  // HTTP caches), and hashing each answer was ~2% of the main thread under check-outs. The web
  // build's files keep theirs (express.static sets its own).
  app.set('etag', false);
  app.use(securityHeaders());
  let hub: SocketHub | null = null;
  // Signed out: the sockets of that session lose their connection too.
  const onSignOut = (sid: string) => hub?.disconnectSession(sid);
  const origins = originPolicyFor(identity.mode, config);
  app.use(originGuard(origins));
  app.use('/api', requestBudget(config.commandBudget));
  const signInLimits = signInLimiters(config.signInLimits);
  app.use('/api/lfs', lfsRoutes({ board, commands, identity, logger, ...(accounts ? { signInLimits } : {}) }));
  app.use('/api', sessionRoutes({ identity, accounts, tokens, onSignOut, signInLimits, sharePath: config.sharePath ?? config.repo, approver: (c) => stateCommands.approver(c) }));
  const metrics = metricsRoutes(
    () => io?.engine.clientsCount ?? 0,
    async () => ({ main: heapFigures(), commit: await store.threadHeap(), versions: await versions.heap() }),
  );
  const signedIn = sessionGuard(identity);
  app.use('/api', openApiRoute(packageVersion()));
  app.use('/api', healthRoute(board));
  app.use(
    '/api',
    signedIn,
    filesRoutes({
      layout, board, commands, callerOf: caller, nudges, presence, undo, spelling, bodyLimit: config.bodyLimit, states: stateCommands,
      signatures: [signerFirst(identity), ...signInLimits],
      versions: versionRoutes({ content, board, callerOf: caller, spelling }),
      activityRoutes: activityRoutes({ activity, layout, spelling }),
    }),
  );
  app.use('/api', signedIn, notifyRoutes({ notifier, callerOf: caller }));
  app.use('/api', signedIn, metrics.router);
  app.use('/api', apiNotFound);
  app.use(prometheusRoutes(prom, identity, config.metricsToken));
  if (config.webDist) app.use(serveWeb(config.webDist));
  app.use(errorHandler(logger));

  const httpServer = config.tls ? createHttpsServer({ cert: config.tls.cert, key: config.tls.key }, app) : createServer(app);
  limitConnections(httpServer, (address) => origins.proxies?.isProxy(address) ?? false, config.connectionsPerAddress);
  hub = createSocketHub(httpServer, { board, commands, undo, states: stateCommands, identity, logger, origins, nudges, presence, limits: config.socketLimits, connectionsPerAddress: config.connectionsPerAddress });
  io = hub.io;
  publisher.attach(hub);
  await cluster?.start(hub.io);

  vaultWatcher = new VaultWatcher(
    index,
    (changes) => {
      void vaultChanges.publish(changes);
      void followRespelledFiles(changes, store, index, logger);
    },
    { pollMs: config.pollMs, settleMs: config.settleMs, rescanMs: 60_000, logger },
  );
  await vaultWatcher.start();
  // What changed between the start-up scan and the watches being set is found by one more walk
  // (in the background: the server already answers from the first scan).
  if (!(config.pollMs > 0)) void vaultWatcher.rescan();
  const dataWatcher = new DataWatcher({
    files: [config.locksFile, activity.file, states.file],
    onChange: (file) => void (file === activity.file ? activity.poll() : file === states.file ? states.refresh() : store.refresh()),
    intervalMs: config.pollMs > 0 ? config.pollMs : 50,
    logger,
  });
  await dataWatcher.start();
  await webhooks?.start();
  await notifier.start();
  // --protect: every tracked file as its lock says, once the rest is up and in the background
  // (at 100,000 files an lstat each, and a chmod each the first time): reads are served meanwhile.
  if (protection) background.track(protection.reconcile(index.names()), 'protecting the share');
  // Check-outs whose next revision was not started (a crash between the two, a lock by hand).
  background.track(stateCommands.reconcile(), 'starting revisions of checked-out files');

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      // No new connections from here on; requests under way are answered by the closes below.
      httpServer.close();
      metrics.stop();
      await dataWatcher.close();
      await vaultWatcher.close();
      await store.close();
      await vaultChanges.publish([]);
      await protection?.settled();
      await background.settled();
      await webhooks?.close();
      await notifier.close();
      await activity.close();
      await versions.close();
      // A connection a browser opened ahead, with no request on it yet, is not idle to Node: it
      // would hold httpServer.close() (and so the stop) until headersTimeout, 60 s. Nothing is
      // served any more, so every HTTP connection goes; upgraded WebSockets are not among them and
      // get their disconnect from the hub.
      httpServer.closeAllConnections();
      await hub.close();
      // After the sockets and the adapter: the adapter publishes through the client until it closes.
      await cluster?.close();
    })());

  return { httpServer, io: io, board, store, activity, notifier, close };
}
