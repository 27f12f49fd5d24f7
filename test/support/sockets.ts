import { io, type Socket } from 'socket.io-client';
import type { TempVault } from './temp-vault.js';
import type { ClientToServerEvents, RevisionedEvent, ServerToClientEvents, SnapshotPayload } from '../../shared/protocol.js';
import { eventually } from './server.js';

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A received event, with `batch` flattened into its parts. */
export interface Received {
  event: string;
  data: any;
}

export interface Observer {
  socket: TestSocket;
  received: Received[];
  snapshots: SnapshotPayload[];
  /** Waits for an event matching `pred` and returns it. */
  waitFor(event: string, pred?: (data: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): void;
}

/** A real socket.io-client connection that records everything it is sent. */
export async function connect(url: string, user = 'observer', extra: Record<string, unknown> = {}): Promise<Observer> {
  const socket: TestSocket = io(url, { auth: { user, ...extra }, transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 500 });
  const received: Received[] = [];
  const snapshots: SnapshotPayload[] = [];
  socket.onAny((event: string, data: any) => {
    if (event === 'batch') for (const e of data.events as RevisionedEvent[]) received.push(e);
    else received.push({ event, data });
    if (event === 'snapshot') snapshots.push(data);
  });
  await eventually(() => snapshots.length > 0, 5000, `snapshot for ${user}`);
  return {
    socket,
    received,
    snapshots,
    waitFor: (event, pred = () => true, timeoutMs = 5000) =>
      eventually(() => received.find((r) => r.event === event && pred(r.data))?.data, timeoutMs, `event ${event}`),
    close: () => socket.close(),
  };
}

let markers = 0;

/**
 * Proves that nothing more comes of what happened before, without a sleep: a marker file dropped
 * into the vault now is reported (`file:added` on `observer`) after anything the watcher still had
 * to report from earlier (every file settles as long, and changes go out in order). Once it is
 * here, a late event about an earlier change would be here already.
 */
export async function afterEverythingBefore(vault: TempVault, observer: Observer): Promise<void> {
  const name = `zz-marker-${process.pid}-${++markers}.mcam`;
  await vault.write(name, 'marker');
  await observer.waitFor('file:added', (d) => d.file.name === name, 10_000);
}
