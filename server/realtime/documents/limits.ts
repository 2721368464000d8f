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

/** The clocks an update writes under one client id: from its first item to past its last. */
export interface ClockRange {
  from: number;
  to: number;
}

/** A comment message's signature as written in an update: by which client, in whose name. */
export interface SignedContent {
  client: number;
  authorId: unknown;
  authorName: unknown;
}

/**
 * Refuses bytes that are not a Yjs update, before anything is stored or applied, and tells the
 * Yjs client ids its content is written under, the clocks it writes under each, and every JSON
 * object it writes with an author (comment messages). The bytes are decoded in full, and every item
 * may refer to an earlier item of its own client only (its origin, right origin or parent). Yjs
 * checks that other clients' items it refers to are present (else the item waits) but takes its own
 * client's for granted, and a reference ahead of the item itself makes `Y.applyUpdate` throw once
 * the item's other dependencies are present — on the live document, not on an empty one. Yjs never writes such an item. (The rest of what decodes but does not apply is
 * caught by applying each broadcast to an empty document: `appliesToEmptyDocument`.)
 */
export function readYjsUpdate(update: Uint8Array): { clients: Set<number>; signed: SignedContent[]; clocks: Map<number, ClockRange> } {
  let structs: ReturnType<typeof Y.decodeUpdate>['structs'];
  try {
    structs = Y.decodeUpdate(update).structs;
  } catch (error) {
    throw errors.validation([{ path: 'update', message: `not a Yjs update (${error instanceof Error ? error.message : 'undecodable'})` }]);
  }
  const clients = new Set<number>();
  const signed: SignedContent[] = [];
  const clocks = new Map<number, ClockRange>();
  for (const struct of structs) {
    if (!(struct instanceof Y.Skip)) {
      clients.add(struct.id.client);
      const range = clocks.get(struct.id.client);
      if (range) range.to = struct.id.clock + struct.length;
      else clocks.set(struct.id.client, { from: struct.id.clock, to: struct.id.clock + struct.length });
    }
    if (!(struct instanceof Y.Item)) continue;
    const { client, clock } = struct.id;
    // Every content a Y.Array hands out as a plain value: JSON-like values, and an embed (one object).
    const values: readonly unknown[] | null =
      struct.content instanceof Y.ContentAny || struct.content instanceof Y.ContentJSON
        ? (struct.content.arr as unknown[])
        : struct.content instanceof Y.ContentEmbed
          ? [struct.content.embed]
          : null;
    if (values) {
      for (const value of values) {
        if (typeof value === 'object' && value !== null && ('authorId' in value || 'authorName' in value)) {
          signed.push({ client, authorId: (value as { authorId?: unknown }).authorId, authorName: (value as { authorName?: unknown }).authorName });
        }
      }
    }
    const parent = struct.parent instanceof Y.ID ? struct.parent : null;
    for (const reference of [struct.origin, struct.rightOrigin, parent]) {
      if (reference && reference.client === client && reference.clock >= clock) {
        throw errors.validation([{ path: 'update', message: 'not a Yjs update (an item refers to a later item of its own client)' }]);
      }
    }
  }
  return { clients, signed, clocks };
}

/** True when an update holds nothing (no items, no deletions). */
export function isEmptyUpdate(update: Uint8Array): boolean {
  const { structs, ds } = Y.decodeUpdate(update);
  return structs.length === 0 && ds.clients.size === 0;
}

/** The update without any content written under `clientIds` (its deletions stay: any writer may delete). */
export function withoutClients(update: Uint8Array, clientIds: readonly number[]): Uint8Array {
  return Y.diffUpdate(update, Y.encodeStateVector(new Map(clientIds.map((clientId) => [clientId, Number.MAX_SAFE_INTEGER]))));
}

/**
 * Whether an update applies to an empty scratch document. Some byte strings pass `Y.decodeUpdate`,
 * which reads leniently, and still make `Y.applyUpdate` throw even on an empty document: broadcast,
 * they would break the other clients' documents, and stored, every later load. Structs
 * that wait for others the scratch document lacks are simply left pending there, as they would be in
 * a real one. A Y.Doc per check is not free (allocations, 5–20 µs), so documents check each
 * broadcast's merge, not each update (see LiveDocument).
 */
export function appliesToEmptyDocument(update: Uint8Array): boolean {
  // A fixed guid: generating a random one is most of a Y.Doc's construction cost.
  const scratch = new Y.Doc({ guid: 'update-check' });
  try {
    Y.applyUpdate(scratch, update);
    return true;
  } catch {
    return false;
  } finally {
    scratch.destroy();
  }
}

/** The refusal of an update that decodes but does not apply. */
export const unappliableUpdate = () => errors.validation([{ path: 'update', message: 'not a Yjs update (it does not apply to a document)' }]);

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
