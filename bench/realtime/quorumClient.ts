import { io } from 'socket.io-client';
import * as Y from 'yjs';
import { toBytes, type DocUpdateEvent } from '../../shared/realtime/documents.ts';
import { encodeSyncStep1, encodeSyncUpdate, readSyncMessageBytes } from '../../shared/realtime/syncMessages.ts';
import type { BenchClient } from './client.ts';

interface Ack<T> {
  ok: boolean;
  data?: T;
  error?: { code: string; message: string };
}

/** A Quorum worksheet client over Socket.IO, as app/lib/realtime does it, without a full document. */
export function connectQuorum(options: { url: string; cookie: string; documentId: string; onUpdate: (update: Uint8Array) => void }): BenchClient {
  const socket = io(options.url, { transports: ['websocket'], extraHeaders: { cookie: options.cookie }, reconnection: false });
  let nextId = 0;
  const ready = new Promise<void>((resolve, reject) => {
    socket.on('connect', () => {
      socket.emit('doc.join', { documentId: options.documentId, sync: encodeSyncStep1(Y.encodeStateVector(new Y.Doc())) }, (ack: Ack<unknown>) =>
        ack.ok ? resolve() : reject(new Error(`join refused: ${ack.error?.code}`)),
      );
    });
    socket.on('connect_error', reject);
  });
  socket.on('doc.update', (event: DocUpdateEvent) => {
    const message = readSyncMessageBytes(toBytes(event.sync));
    if (message && message.type !== 'step1') options.onUpdate(message.update);
  });
  return {
    ready,
    send: (update) =>
      new Promise<void>((resolve, reject) => {
        socket.emit('doc.update', { documentId: options.documentId, sync: encodeSyncUpdate(update), clientUpdateId: String(++nextId) }, (ack: Ack<unknown>) =>
          ack.ok ? resolve() : reject(new Error(`update refused: ${ack.error?.code}`)),
        );
      }),
    close: () => socket.close(),
  };
}
