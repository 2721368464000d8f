import { io } from 'socket.io-client';
import * as Y from 'yjs';
import { toBytes, toWire, type DocUpdateEvent } from '../../shared/realtime/documents.ts';
import { encodeSyncStep1, encodeSyncUpdate, readSyncMessageBytes } from '../../shared/realtime/syncMessages.ts';
import type { BenchClient, ClientOptions } from './client.ts';
import { connectWire } from './socketIoWire.ts';

interface Ack<T> {
  ok: boolean;
  data?: T;
  error?: { code: string; message: string };
}

interface QuorumClientOptions {
  url: string;
  cookie: string;
  documentId: string;
  onUpdate: ClientOptions['onUpdate'];
}

/** Which Socket.IO client plays the panelists: the minimal wire client (default) or socket.io-client. */
export const quorumClientKind = process.env.BENCH_QUORUM_CLIENT === 'socket.io-client' ? 'socket.io-client' : 'wire';

/**
 * A Quorum worksheet client, speaking what app/lib/realtime/worksheet/provider.ts speaks (join with
 * sync step 1, updates as base64 y-protocols update messages acked once stored), without a full
 * document: broadcasts are decoded only by sampling clients.
 */
export function connectQuorum(options: QuorumClientOptions): BenchClient {
  return quorumClientKind === 'wire' ? connectOverWire(options) : connectOverSocketIoClient(options);
}

const joinPayload = (documentId: string) => ({ documentId, sync: toWire(encodeSyncStep1(Y.encodeStateVector(new Y.Doc()))) });
const updatePayload = (documentId: string, update: Uint8Array, clientUpdateId: number) => ({
  documentId,
  sync: toWire(encodeSyncUpdate(update)),
  clientUpdateId: String(clientUpdateId),
});

function readBroadcast(options: QuorumClientOptions, event: DocUpdateEvent): void {
  if (!options.onUpdate) return;
  const message = readSyncMessageBytes(toBytes(event.sync));
  if (message && message.type !== 'step1') options.onUpdate(message.update);
}

function connectOverWire(options: QuorumClientOptions): BenchClient {
  const socket = connectWire(options.url, options.cookie);
  let nextId = 0;
  const ready = socket.connected.then(async () => {
    const ack = await socket.request<Ack<unknown>>('doc.join', joinPayload(options.documentId));
    if (!ack.ok) throw new Error(`join refused: ${ack.error?.code}`);
  });
  if (options.onUpdate) socket.on('doc.update', (event) => readBroadcast(options, event as DocUpdateEvent));
  return {
    ready,
    send: async (update) => {
      const ack = await socket.request<Ack<unknown>>('doc.update', updatePayload(options.documentId, update, ++nextId));
      if (!ack.ok) throw new Error(`update refused: ${ack.error?.code}`);
    },
    close: () => socket.close(),
  };
}

function connectOverSocketIoClient(options: QuorumClientOptions): BenchClient {
  const socket = io(options.url, { transports: ['websocket'], extraHeaders: { cookie: options.cookie }, reconnection: false });
  let nextId = 0;
  const ready = new Promise<void>((resolve, reject) => {
    socket.on('connect', () => {
      socket.emit('doc.join', joinPayload(options.documentId), (ack: Ack<unknown>) =>
        ack.ok ? resolve() : reject(new Error(`join refused: ${ack.error?.code}`)),
      );
    });
    socket.on('connect_error', reject);
  });
  socket.on('doc.update', (event: DocUpdateEvent) => readBroadcast(options, event));
  return {
    ready,
    send: (update) =>
      new Promise<void>((resolve, reject) => {
        socket.emit('doc.update', updatePayload(options.documentId, update, ++nextId), (ack: Ack<unknown>) =>
          ack.ok ? resolve() : reject(new Error(`update refused: ${ack.error?.code}`)),
        );
      }),
    close: () => socket.close(),
  };
}
