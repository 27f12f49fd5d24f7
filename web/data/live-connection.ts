import { io, type Socket } from 'socket.io-client';
import type { Ack, ActivityEvent, ClientToServerEvents, FileAck, FilesAck, HandshakeAuth, NudgeBody, PresenceBody, ServerToClientEvents, UndoAck } from '../../shared/protocol.js';
import type { BoardStore } from '../state/board-store.js';

type PdmSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

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

  checkout(filename: string, message: string | undefined, until?: string): Promise<FileAck> {
    const payload = { filename, ...(message ? { message } : {}), ...(until ? { until } : {}) };
    return this.command((s) => s.volatile.timeout(ACK_TIMEOUT_MS).emitWithAck('checkout', payload) as Promise<FileAck>);
  }

  /** Joins the queue (`wait`, with the message the hand-off keeps), or leaves it. */
  wait(filename: string, join: boolean, message?: string): Promise<FileAck> {
    return this.command((s) => (join ? s.volatile.timeout(ACK_TIMEOUT_MS).emitWithAck('wait', { filename, ...(message ? { message } : {}) }) : s.volatile.timeout(ACK_TIMEOUT_MS).emitWithAck('unwait', { filename })));
  }

  /** Asks the holder to release the file. */
  async nudge(filename: string): Promise<Ack<NudgeBody>> {
    const s = this.socket;
    if (!s?.connected) return { ok: false, code: 'LOCKS_UNAVAILABLE', detail: 'Not connected to the server: try again once it shows Live.' };
    try {
      // socket.io's emitWithAck loses this ack's type (it comes out `any`): the protocol names it.
      return (await s.volatile.timeout(ACK_TIMEOUT_MS).emitWithAck('nudge', { filename })) as Ack<NudgeBody>;
    } catch {
      return { ok: false, code: 'LOCKS_UNAVAILABLE', detail: 'The server did not answer in time.' };
    }
  }

  /** `reason`: with `force`, why (the former holder is told). */
  checkin(filename: string, force: boolean, comment?: string, reason?: string): Promise<FileAck> {
    const payload = { filename, ...(force ? { force } : {}), ...(comment ? { comment } : {}), ...(force && reason ? { reason } : {}) };
    return this.command((s) => s.volatile.timeout(ACK_TIMEOUT_MS).emitWithAck('checkin', payload) as Promise<FileAck>);
  }

  /** Undo check-out: the content at check-out put back, then released. */
  undo(filename: string): Promise<UndoAck> {
    // The ack of a `revert` carries `reverted` besides the file (shared/protocol.ts UndoBody).
    return this.command((s) => s.volatile.timeout(ACK_TIMEOUT_MS).emitWithAck('checkin', { filename, revert: true }) as Promise<UndoAck>);
  }

  /** Several files checked out in one write, all or nothing. */
  checkoutMany(filenames: string[], message: string | undefined, until?: string): Promise<FilesAck> {
    const payload = { filenames, ...(message ? { message } : {}), ...(until ? { until } : {}) };
    return this.command((s) => s.volatile.timeout(ACK_TIMEOUT_MS).emitWithAck('checkout', payload) as Promise<FilesAck>);
  }

  /** Several of your files checked in in one write. */
  checkinMany(filenames: string[], comment?: string): Promise<FilesAck> {
    const payload = { filenames, ...(comment ? { comment } : {}) };
    return this.command((s) => s.volatile.timeout(ACK_TIMEOUT_MS).emitWithAck('checkin', payload) as Promise<FilesAck>);
  }

  private async command<A extends Ack<object>>(send: (s: PdmSocket) => Promise<A>): Promise<A | Ack<never>> {
    const s = this.socket;
    if (!s?.connected) return { ok: false, code: 'LOCKS_UNAVAILABLE', detail: 'Not connected to the server: try again once it shows Live.' };
    try {
      return await send(s);
    } catch {
      return { ok: false, code: 'LOCKS_UNAVAILABLE', detail: 'The server did not answer in time; refresh the row state before trying again.' };
    }
  }

  private async loadPresence(): Promise<void> {
    try {
      const res = await fetch('/api/presence');
      if (res.ok) this.store.setPresence(((await res.json()) as PresenceBody).users);
    } catch {
      /* presence events still arrive */
    }
  }

  private async loadActivity(): Promise<void> {
    try {
      const res = await fetch('/api/activity?limit=100');
      if (res.ok) this.store.addActivity(((await res.json()) as { events: ActivityEvent[] }).events);
    } catch {
      /* the live feed still works; history is a nicety */
    }
  }
}
