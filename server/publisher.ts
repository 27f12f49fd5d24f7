import type { ActivityEvent, HealthBody, PresenceEntry, RevisionedEvent } from '../shared/protocol.js';
import type { ActivityLog } from './activity/activity-log.js';
import type { BoardListener, FileBoard } from './files/file-board.js';
import type { Nudges } from './files/nudges.js';
import type { PdmMetrics } from './http/prometheus.js';
import type { LockChange } from './locks/lock-diff.js';
import type { LockStore, StoreListener } from './locks/lock-store.js';
import type { Presence } from './realtime/presence.js';
import type { SocketOutlet } from './realtime/socket-hub.js';
import type { ShareProtection } from './vault/share-protection.js';
import type { StateChange, StateStore } from './states/state-store.js';
import type { StateCommands } from './states/state-commands.js';
import type { WebhookDelivery } from './notify/webhook-delivery.js';
import type { Notifier } from './notify/notifier.js';
import type { ClusterLink } from './cluster/cluster-link.js';

/** Everything that follows a change, built before the publisher is. */
export interface Outlets {
  store: LockStore;
  board: FileBoard;
  activity: ActivityLog;
  presence: Presence;
  nudges: Nudges;
  metrics: PdmMetrics;
  /** `--protect`; null when off. */
  protection: ShareProtection | null;
  /** Versions: an "edited unlocked" warning ends at check-in. */
  endWarnings(changes: readonly LockChange[]): void;
  /** Versions: a save seen after the check-in is still the holder's. */
  rememberReleases(changes: readonly LockChange[]): void;
  /** Release states (states.json) and their rules. */
  states: StateStore;
  stateCommands: StateCommands;
  /** `--webhook`; null when none. */
  webhooks: WebhookDelivery | null;
  /** Personal notices by push and mail. */
  notifier: Notifier;
  /** `--cluster`: the other nodes are told of this node's changes; null without. */
  cluster: ClusterLink | null;
}

/**
 * The one way out. A change committed by the store (or read from locks.json), a change of the
 * board, an activity entry and a presence change reach what follows them only through here, in
 * the order written below; nothing subscribes itself. Sockets are attached once the HTTP server
 * exists: what happens before that (the start-up's own reading) has no socket to reach.
 */
export class Publisher {
  private sockets: SocketOutlet | null = null;

  constructor(private readonly o: Outlets) {
    o.store.subscribe(this.lockOutlet);
    o.board.sendTo(this.boardOutlet);
    o.activity.sendTo((e) => this.activity(e));
    o.presence.sendTo((e) => this.presence(e));
    o.states.sendTo((changes) => this.stateChanges(changes));
  }

  /** From here on, sockets get every event. */
  attach(sockets: SocketOutlet): void {
    this.sockets = sockets;
  }

  private readonly lockOutlet: StoreListener = {
    changes: (changes, source) => {
      // 0. --cluster: the other nodes read locks.json now (a notice, never the change itself).
      if (source === 'api') this.o.cluster?.notify('locks');
      // 1. The board: revisions and lock events, which go to sockets and --protect (boardOutlet).
      this.o.board.lockChanges(changes, source);
      // 2. Versions: warnings that end, holds remembered for saves reported late.
      this.o.endWarnings(changes);
      this.o.rememberReleases(changes);
      // 3. Metrics count this server's own changes.
      this.o.metrics.lockChanges(changes, source);
      // 4. Activity: a change read from disk was journaled by whoever found it (maybe another
      // server): its entries come from the log. This server's own come through `logged`.
      // 5. Release states: a lock taken on disk (by hand, by another server) starts the next
      // revision too (a server's own check-outs start it before they answer).
      if (source === 'disk') {
        void this.o.activity.poll();
        const taken = changes.filter((c) => c.after && !c.before).map((c) => c.filename);
        if (taken.length > 0) void this.o.stateCommands.startRevisions(taken).catch(() => undefined);
      }
    },
    // 5. The entries this server's commit appended, without reading them back.
    logged: (entries, at, bytes) => void this.o.activity.adopt(entries, at, bytes),
    health: () => this.o.board.announceHealth(),
  };

  private readonly boardOutlet: BoardListener = {
    events: (events: RevisionedEvent[]) => {
      this.sockets?.events(events);
      this.o.protection?.follow(events);
    },
    health: (health: HealthBody) => this.sockets?.health(health),
  };

  private activity(e: ActivityEvent): void {
    this.o.nudges.follow(e);
    this.sockets?.activity(e);
    this.o.webhooks?.wake();
    this.o.notifier.wake();
    this.o.cluster?.notify('activity');
  }

  /** A state changed: the board's `file:state` events, and a change seen on disk logged once. */
  private stateChanges(changes: StateChange[]): void {
    if (changes.some((c) => c.source !== 'disk')) this.o.cluster?.notify('states');
    this.o.board.stateChanges(changes);
    void this.o.stateCommands.logged(changes).catch(() => undefined);
    // A states.json fixed by hand, or another server's: check-outs it left unstarted start now.
    if (changes.some((c) => c.source === 'disk')) void this.o.stateCommands.reconcile().catch(() => undefined);
  }

  private presence(e: PresenceEntry): void {
    this.sockets?.presence(e);
  }
}
