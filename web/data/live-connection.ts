import { io, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, HandshakeAuth, PresenceBody, ServerToClientEvents } from '../../shared/protocol.js';
import { latestActivity } from './history-api.js';
import { getJson } from './http-api.js';
import type { BoardStore } from '../state/board-store.js';

type PdmSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
/** The commands (every client-to-server event but `sync`). */
type Command = Exclude<keyof ClientToServerEvents, 'sync'>;
type PayloadOf<E extends Command> = Parameters<ClientToServerEvents[E]>[0];
/** What the server acks a command with, or this side's refusal (not connected, no answer in time). */
export type AckOf<E extends Command> = Parameters<Parameters<ClientToServerEvents[E]>[1]>[0];

const refused = (detail: string): Ack<never> => ({ ok: false, code: 'LOCKS_UNAVAILABLE', detail });

/** Each command's emit with a timeout. `err` is socket.io's: null when the ack came in time. */
type Emitters = { [E in Command]: (payload: PayloadOf<E>, ack: (err: Error | null, ack: AckOf<E>) => void) => void };

/**
 * One entry per command, so each emit is checked against the protocol's event map (a generic
 * emit cannot be: socket.io's decorated types do not narrow by a type parameter).
 */
function emitters(s: PdmSocket): Emitters {
  const t = () => s.volatile.timeout(ACK_TIMEOUT_MS);
  return {
    checkout: (p, ack) => t().emit('checkout', p, ack),
    checkin: (p, ack) => t().emit('checkin', p, ack),
    wait: (p, ack) => t().emit('wait', p, ack),
    unwait: (p, ack) => t().emit('unwait', p, ack),
    nudge: (p, ack) => t().emit('nudge', p, ack),
  };
}

const ACK_TIMEOUT_MS = 10_000;

/**
 * The only code that talks to the server: one Socket.IO connection feeding the store, and the
 * commands. Commands are refused while disconnected: Socket.IO would otherwise buffer them and
 * replay a stale check-out minutes later.
 */
export class LiveConnection {
  private socket: PdmSocket | null = null;

  constructor(private readonly store: BoardStore) {}

  /** `onRefused`: the server refused the handshake (users mode: no valid session). */
  connect(user: string, onRefused?: () => void): void {
    this.disconnect();
    this.store.setConnection('connecting');
    const socket: PdmSocket = io({ auth: { user } satisfies HandshakeAuth, reconnectionDelay: 200, reconnectionDelayMax: 2000 });
    this.socket = socket;
    socket.on('connect', () => {
      this.store.setConnection('live');
      void this.loadActivity();
      void this.loadPresence();
    });
    socket.on('disconnect', (reason) => {
      this.store.setConnection('reconnecting');
      // The server ended the connection on purpose (signed out): it will not come back by itself.
      if (reason === 'io server disconnect') onRefused?.();
    });
    socket.on('connect_error', (err) => {
      this.store.setConnection('reconnecting');
      if (err.message.startsWith('UNAUTHENTICATED')) onRefused?.();
    });
    socket.on('snapshot', (s) => this.store.applySnapshot(s));
    socket.on('lock:nudged', (n) => this.store.applyNudge(n));
    socket.on('presence', (p) => this.store.applyPresence(p));
    socket.on('batch', (b) => this.store.applyBatch(b));
    socket.on('lock:acquired', (data) => this.store.applyEvent({ event: 'lock:acquired', data }));
    socket.on('lock:released', (data) => this.store.applyEvent({ event: 'lock:released', data }));
    socket.on('lock:updated', (data) => this.store.applyEvent({ event: 'lock:updated', data }));
    socket.on('file:added', (data) => this.store.applyEvent({ event: 'file:added', data }));
    socket.on('file:changed', (data) => this.store.applyEvent({ event: 'file:changed', data }));
    socket.on('file:removed', (data) => this.store.applyEvent({ event: 'file:removed', data }));
    socket.on('file:state', (data) => this.store.applyEvent({ event: 'file:state', data }));
    socket.on('health', (h) => this.store.setHealth(h));
    socket.on('activity', (e) => this.store.addActivity([e]));
  }

  disconnect(): void {
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
  }

  /** Asks for a fresh snapshot (after a revision gap). */
  sync(): void {
    const s = this.socket;
    if (!s?.connected) return; // a reconnection brings a snapshot anyway
    s.timeout(ACK_TIMEOUT_MS).emit('sync', {}, (err, ack) => {
      // socket.io types `err` as Error, but it is null when the ack came in time.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
      if (!err && ack.ok) this.store.applySnapshot(ack);
    });
  }

  checkout(filename: string, message: string | undefined, until?: string): Promise<AckOf<'checkout'>> {
    return this.ask('checkout', { filename, ...(message ? { message } : {}), ...(until ? { until } : {}) });
  }

  /** Joins the queue (`wait`, with the message the hand-off keeps), or leaves it. */
  wait(filename: string, join: boolean, message?: string): Promise<AckOf<'wait'>> {
    return join ? this.ask('wait', { filename, ...(message ? { message } : {}) }) : this.ask('unwait', { filename });
  }

  /** Asks the holder to release the file. */
  nudge(filename: string): Promise<AckOf<'nudge'>> {
    return this.ask('nudge', { filename });
  }

  /** `reason`: with `force`, why (the former holder is told). */
  checkin(filename: string, force: boolean, comment?: string, reason?: string): Promise<AckOf<'checkin'>> {
    return this.ask('checkin', { filename, ...(force ? { force } : {}), ...(comment ? { comment } : {}), ...(force && reason ? { reason } : {}) });
  }

  /** Undo check-out: the content at check-out put back, then released. */
  undo(filename: string): Promise<AckOf<'checkin'>> {
    return this.ask('checkin', { filename, revert: true });
  }

  /** Several files checked out in one write, all or nothing. */
  checkoutMany(filenames: string[], message: string | undefined, until?: string): Promise<AckOf<'checkout'>> {
    return this.ask('checkout', { filenames, ...(message ? { message } : {}), ...(until ? { until } : {}) });
  }

  /** Several of your files checked in in one write. */
  checkinMany(filenames: string[], comment?: string): Promise<AckOf<'checkin'>> {
    return this.ask('checkin', { filenames, ...(comment ? { comment } : {}) });
  }

  /**
   * One command and its ack, typed by the protocol's event map. Refused while disconnected, and
   * sent volatile: Socket.IO would otherwise buffer it and replay a stale check-out minutes later.
   */
  private ask<E extends Command>(event: E, payload: PayloadOf<E>): Promise<AckOf<E>> {
    const s = this.socket;
    if (!s?.connected) return Promise.resolve(refused('Not connected to the server: try again once it shows Live.'));
    return new Promise((resolve) => {
      emitters(s)[event](payload, (err, ack) => resolve(err ? refused('The server did not answer in time; refresh the row state before trying again.') : ack));
    });
  }

  private async loadPresence(): Promise<void> {
    try {
      this.store.setPresence((await getJson<PresenceBody>('/api/presence')).users);
    } catch {
      /* presence events still arrive */
    }
  }

  private async loadActivity(): Promise<void> {
    try {
      this.store.addActivity(await latestActivity());
    } catch {
      /* the live feed still works; history is a nicety */
    }
  }
}
