import { io, type Socket } from 'socket.io-client';
import type { ErrorBody } from '../../shared/errors.ts';
import { panelEventNames } from '../../shared/realtime/evaluationRoom.ts';
import type { ApiClient } from './http.ts';
import { eventually } from './wait.ts';

export type WatchAck = { ok: true; data: { evaluationId: string; room: string; status: string } } | { ok: false; error: ErrorBody };

/** One event a socket received: its name, payload, and whatever `probe` read the moment it arrived. */
export interface Received<Seen = unknown> {
  event: string;
  payload: Record<string, unknown>;
  seen: Promise<Seen>;
}

/** A signed-in Socket.IO client that records every panel event (and `access.revoked`) it receives, in order. */
export interface PanelWatcher<Seen = unknown> {
  socket: Socket;
  received: Received<Seen>[];
  watch: (evaluationId: unknown) => Promise<WatchAck>;
  /** Waits until `count` events have arrived in all. */
  waitFor: (count: number) => Promise<void>;
  /** `[event, payload]` of everything received so far. */
  log: () => [string, Record<string, unknown>][];
  /** A round trip on this socket: anything the server sent it before now has arrived once this resolves. */
  roundTrip: () => Promise<void>;
  /** Cuts the transport (as a dropped network would): the server keeps the session for recovery. */
  dropConnection: () => Promise<void>;
  /** Connects again after `dropConnection`, offering the old session for recovery; resolves with `recovered`. */
  reconnect: () => Promise<boolean>;
}

const recorded = new Set<string>([...panelEventNames, 'access.revoked']);

/**
 * Connects as `client` to `url`. `probe` runs as soon as each event arrives (e.g. a database read),
 * so a test can show the event was emitted only after the state it announces was committed.
 */
export async function openPanelWatcher<Seen = unknown>(
  url: string,
  client: ApiClient,
  sockets: Socket[],
  probe: (payload: Record<string, unknown>) => Promise<Seen> = async () => undefined as Seen,
): Promise<PanelWatcher<Seen>> {
  const socket = io(url, { transports: ['websocket'], extraHeaders: { cookie: client.cookie }, reconnectionDelay: 100, reconnectionDelayMax: 500 });
  sockets.push(socket);
  const received: Received<Seen>[] = [];
  socket.onAny((event: string, payload: Record<string, unknown>) => {
    if (recorded.has(event)) received.push({ event, payload, seen: probe(payload) });
  });
  const connected = () =>
    new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
  await connected();
  return {
    socket,
    received,
    watch: (evaluationId) => socket.emitWithAck('evaluation.watch', { evaluationId }) as Promise<WatchAck>,
    waitFor: async (count) => {
      await eventually(() => received.length >= count);
    },
    log: () => received.map(({ event, payload }) => [event, payload]),
    roundTrip: async () => {
      await socket.emitWithAck('evaluation.unwatch', { evaluationId: '00000000-0000-4000-8000-000000000000' });
    },
    dropConnection: async () => {
      socket.io.reconnection(false);
      const gone = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
      socket.io.engine.close();
      await gone;
    },
    reconnect: async () => {
      const back = connected();
      socket.io.reconnection(true);
      socket.connect();
      await back;
      return socket.recovered;
    },
  };
}
