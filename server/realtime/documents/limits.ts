import type { Socket } from 'socket.io';
import * as Y from 'yjs';
import { errors } from '../../../shared/errors.ts';
import type { Config } from '../../config.ts';
import type { SocketData } from '../auth.ts';
import { rooms } from '../rooms.ts';

/**
 * Limits that keep one client from hurting the server or the others: update and document size,
 * malformed updates, and connections per user. Every refusal is an error ack that changes nothing.
 */

export type DocumentLimitConfig = Pick<Config, 'DOC_MAX_UPDATE_BYTES' | 'DOC_MAX_BYTES' | 'DOC_MAX_CONNECTIONS_PER_USER'>;

/** Refuses an update larger than DOC_MAX_UPDATE_BYTES. */
export function assertUpdateSize(config: DocumentLimitConfig, update: Uint8Array): void {
  if (update.byteLength > config.DOC_MAX_UPDATE_BYTES) {
    throw errors.tooLarge(`An update may be at most ${config.DOC_MAX_UPDATE_BYTES} bytes; this one is ${update.byteLength}.`);
  }
}

/** Refuses an update that would take the stored document past DOC_MAX_BYTES. */
export function assertDocumentRoom(config: DocumentLimitConfig, storedBytes: number, update: Uint8Array): void {
  if (storedBytes + update.byteLength > config.DOC_MAX_BYTES) {
    throw errors.tooLarge(`The document has reached its size limit of ${config.DOC_MAX_BYTES} bytes.`);
  }
}

/** Refuses bytes that are not a Yjs update: they are decoded in full before anything is stored or applied. */
export function assertYjsUpdate(update: Uint8Array): void {
  try {
    Y.decodeUpdate(update);
  } catch (error) {
    throw errors.validation([{ path: 'update', message: `not a Yjs update (${error instanceof Error ? error.message : 'undecodable'})` }]);
  }
}

/** Refuses presence updates above the shared limit. */
export function assertAwarenessSize(update: Uint8Array, maxBytes: number): void {
  if (update.byteLength > maxBytes) throw errors.tooLarge(`A presence update may be at most ${maxBytes} bytes.`);
}

/**
 * Socket.IO middleware (after authentication): a user may hold at most DOC_MAX_CONNECTIONS_PER_USER
 * sockets on this process. Counted from the user's room, which the auth middleware already joined.
 */
export function limitConnectionsPerUser(config: DocumentLimitConfig) {
  return (socket: Socket, next: (error?: Error) => void): void => {
    const { session } = socket.data as SocketData;
    const open = socket.nsp.adapter.rooms.get(rooms.user(session.user.id))?.size ?? 0;
    if (open <= config.DOC_MAX_CONNECTIONS_PER_USER) return next();
    const refusal = errors.rateLimited(30);
    const error = new Error(refusal.code) as Error & { data?: unknown };
    error.data = { ...refusal.toBody(), message: `You have ${open - 1} connections open; close a tab and try again.` };
    next(error);
  };
}
