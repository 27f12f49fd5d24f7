import { createHash, randomUUID } from 'node:crypto';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createClient } from 'redis';
import type { Logger } from '../logger.js';
import type { PdmServer } from '../realtime/socket-hub.js';

/** What changed on the share, as one node tells the others (they read it from the share now). */
export type ChangeKind = 'locks' | 'states' | 'activity';
/** `locksAt`: the change time (ns, as a string) of the newest locks.json the sender has seen: no receiver takes an older copy after it. */
export type ChangeNotice = { what: ChangeKind[]; from: string; locksAt?: string };

export type ClusterState = 'ok' | 'degraded';

export interface ClusterOptions {
  /** `--cluster redis://HOST:PORT`. */
  url: string;
  /** The data folder: nodes of one data folder share one stream (several vaults may share a Redis). */
  dataDir: string;
  logger: Logger;
  /** The change time of the newest locks.json this node has seen (newest-copy.ts). */
  locksAt(): bigint;
  /** Another node changed something: read it from the share now. */
  changed(notice: ChangeNotice): void;
  /** Redis is back after being away: read everything again (what was missed meanwhile came only through the share). */
  caughtUp(): void;
  /** The cluster's state changed (for /api/health). */
  stateChanged(state: ClusterState): void;
}

/**
 * `--cluster` (CONTRACT §20): the nodes sharing one data folder tell each other of every change
 * through Redis (Socket.IO's Redis Streams adapter and its server-side emit), so each reads the
 * share at once instead of at its watcher's next look. locks.json and states.json stay the only
 * truth: a notice only says "read it now". Browsers' events stay each node's own (every node
 * numbers its board's revisions itself), so broadcasts are local; a browser that moves to another
 * node gets that node's snapshot on connecting. Redis away: every node goes on from the share
 * alone (`degraded`), and reads everything again when it is back.
 */
export class ClusterLink {
  readonly id = randomUUID();
  private state: ClusterState = 'degraded';
  private client: ReturnType<typeof createClient> | null = null;
  private io: PdmServer | null = null;
  private wasAway = false;

  constructor(private readonly o: ClusterOptions) {}

  get status(): ClusterState {
    return this.state;
  }

  /** Connects (without waiting for Redis: a node starts and serves with Redis away) and hangs the adapter on `io`. */
  start(io: PdmServer): Promise<void> {
    this.io = io;
    const client = createClient({ url: this.o.url, socket: { connectTimeout: 2000, reconnectStrategy: (retries) => Math.min(100 * 2 ** Math.min(retries, 5), 2000) } });
    this.client = client;
    client.on('error', (err: Error) => {
      if (this.state === 'ok') this.o.logger.warn({ err: err.message }, 'Redis (--cluster) is unreachable: going on from the share alone');
      this.set('degraded');
    });
    client.on('ready', () => {
      this.set('ok');
      if (this.wasAway) this.o.caughtUp();
      this.wasAway = true;
    });
    client.on('end', () => this.set('degraded'));
    const stream = `pdm-live:${createHash('sha256').update(this.o.dataDir).digest('hex').slice(0, 12)}`;
    // The adapter needs a connected client (it duplicates it for reading); with Redis away at
    // start, the node serves alone until the first connection succeeds.
    const attach = () => {
      io.adapter(createAdapter(client, { streamName: stream, channelPrefix: stream, maxLen: 10_000, onlyPlaintext: true }));
      io.on('pdm:changed' as never, (notice: ChangeNotice) => {
        if (notice.from !== this.id) this.o.changed(notice);
      });
    };
    // Not waited for: the client keeps trying, and the node serves from the share meanwhile.
    void client.connect().then(attach, (err: unknown) => this.o.logger.warn({ err: (err as Error).message }, 'Redis (--cluster) cannot be used'));
    return Promise.resolve();
  }

  /**
   * This node changed `what`: the others read it now. What changes within one turn of the event
   * loop goes as one notice. Nothing is sent while Redis is away (they find it through the share).
   */
  notify(what: ChangeKind): void {
    if (this.state !== 'ok' || !this.io) return;
    if (this.pending.size === 0) setImmediate(() => this.flush());
    this.pending.add(what);
  }

  private readonly pending = new Set<ChangeKind>();

  private flush(): void {
    const what = [...this.pending];
    this.pending.clear();
    const emit = this.io?.serverSideEmit.bind(this.io);
    try {
      emit?.('pdm:changed', { what, from: this.id, ...(what.includes('locks') ? { locksAt: String(this.o.locksAt()) } : {}) });
    } catch {
      // no adapter yet (Redis not reached since the start)
    }
  }

  async close(): Promise<void> {
    this.client?.removeAllListeners();
    await this.client?.close().catch(() => undefined);
  }

  private set(state: ClusterState): void {
    if (state === this.state) return;
    this.state = state;
    this.o.stateChanged(state);
  }
}
