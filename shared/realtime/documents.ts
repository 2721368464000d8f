import { fromBase64 as decodeBase64, toBase64 } from 'lib0/buffer';
import { z } from 'zod';
import { readSyncMessageBytes, type SyncMessage, type SyncMessageType } from './syncMessages.ts';

/**
 * The wire contract of collaborative documents over Socket.IO. Sync is the Yjs sync protocol of
 * y-protocols (step 1: a state vector; step 2: the update the other side lacks; update: a live
 * edit), each message framed as y-protocols frames it (see syncMessages.ts) and carried in a
 * validated Socket.IO event; presence is a y-protocols awareness update.
 */

/** Default limits; the server reads its effective values from config (DOC_* variables). */
export const documentLimits = {
  /** Largest single Yjs update (or merged resync) a client may send. Below Socket.IO's 1 MB frame cap. */
  maxUpdateBytes: 256 * 1024,
  /** Largest stored size of one document (snapshot + log). */
  maxDocumentBytes: 8 * 1024 * 1024,
  /** Largest awareness (presence) update. */
  maxAwarenessBytes: 16 * 1024,
  /** Socket.IO connections one user may hold on one server process. */
  maxConnectionsPerUser: 12,
} as const;

const uuidPattern = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const worksheetIdPattern = new RegExp(`^worksheet:(${uuidPattern})$`, 'i');

export type DocumentRef = { kind: 'worksheet'; evaluationId: string };

/** The document id of an evaluation's worksheet: `worksheet:<evaluationId>`. */
export function worksheetDocumentId(evaluationId: string): string {
  return `worksheet:${evaluationId.toLowerCase()}`;
}

/** What a document id names, or null when it names nothing we host. */
export function parseDocumentId(documentId: string): DocumentRef | null {
  const match = worksheetIdPattern.exec(documentId);
  return match?.[1] ? { kind: 'worksheet', evaluationId: match[1].toLowerCase() } : null;
}

export const documentIdSchema = z
  .string()
  .max(100)
  .refine((value) => parseDocumentId(value) !== null, 'must be worksheet:<evaluation id>')
  .transform((value) => value.toLowerCase());

/** Decodes base64 (standard or url-safe) to bytes: lib0 uses Buffer in Node and atob in the browser. */
export function fromBase64(text: string): Uint8Array {
  return decodeBase64(text.replaceAll('-', '+').replaceAll('_', '/'));
}

/**
 * Bytes as sent on the wire: base64 text. Socket.IO sends a binary attachment as a second WebSocket
 * frame after a placeholder packet, so text halves the frames each side parses per message.
 */
export function toWire(bytes: Uint8Array): string {
  return toBase64(bytes);
}

/** Binary payloads arrive as Socket.IO attachments (Buffer/ArrayBuffer/Uint8Array) or as base64 text. */
export const binarySchema = z
  .union([
    z.custom<Uint8Array>((value) => value instanceof Uint8Array, 'must be bytes'),
    z.custom<ArrayBuffer>((value) => value instanceof ArrayBuffer, 'must be bytes'),
    z.base64().max(2_000_000),
    z.base64url().max(2_000_000),
  ])
  .transform((value): Uint8Array => {
    if (typeof value === 'string') return fromBase64(value);
    if (value instanceof ArrayBuffer) return new Uint8Array(value);
    return value;
  });

/** Bytes that must hold exactly one y-protocols sync message of the given types; decoded by the schema. */
function syncMessageSchema<T extends SyncMessageType>(types: readonly T[]) {
  return binarySchema.transform((bytes, context): Extract<SyncMessage, { type: T }> => {
    const message = readSyncMessageBytes(bytes);
    if (!message || !(types as readonly string[]).includes(message.type)) {
      context.addIssue({ code: 'custom', message: `must be a y-protocols sync message (${types.join(' or ')})` });
      return z.NEVER;
    }
    return message as Extract<SyncMessage, { type: T }>;
  });
}

export const docJoinSchema = z.strictObject({
  documentId: documentIdSchema,
  /** Sync step 1: the client's state vector (left out, or empty, for a fresh client). */
  sync: syncMessageSchema(['step1']).optional(),
  /**
   * The Yjs client id this client writes under. A writer's is claimed for them as they join, before
   * their presence shows it to the room (where anyone could otherwise claim it first).
   */
  clientId: z.number().int().min(0).max(0xffff_ffff).optional(),
});
export type DocJoinPayload = z.input<typeof docJoinSchema>;

export const docUpdateSchema = z.strictObject({
  documentId: documentIdSchema,
  /** A live edit (update message) or the client's answer to the server's step 1 (step 2). */
  sync: syncMessageSchema(['update', 'step2']),
  /** Chosen by the client; echoed in the ack so it can mark that edit saved. */
  clientUpdateId: z.string().min(1).max(80),
});
export type DocUpdatePayload = z.input<typeof docUpdateSchema>;

export const docAwarenessSchema = z.strictObject({
  documentId: documentIdSchema,
  update: binarySchema,
});
export type DocAwarenessPayload = z.input<typeof docAwarenessSchema>;

export const docLeaveSchema = z.strictObject({ documentId: documentIdSchema });
export type DocLeavePayload = z.input<typeof docLeaveSchema>;

/**
 * Bytes as they arrive: base64 text (what our clients and broadcasts send, see toWire) or a binary
 * attachment (Node gets a Buffer, the browser an ArrayBuffer); the schemas accept both.
 */
export type WireBytes = Uint8Array | ArrayBuffer | string;

/** Normalizes received bytes (base64 text included). */
export function toBytes(value: WireBytes): Uint8Array {
  if (typeof value === 'string') return fromBase64(value);
  return value instanceof Uint8Array ? value : new Uint8Array(value);
}

/** The join ack (bytes as base64 text, see toWire): sync step 2 for the client, plus the server's own step 1 so the client can answer with its step 2. */
export interface DocJoinResult {
  documentId: string;
  /** Sync step 2: everything the client's state vector lacks. */
  sync: string;
  /** Sync step 1 from the server (its state vector, stored updates only): the client sends back what this lacks. */
  serverSync: string;
  /** Every presence state known in the room. */
  awareness: string;
  canWrite: boolean;
  /** The largest update the server takes (DOC_MAX_UPDATE_BYTES): a larger step 2 is sent in pieces. */
  maxUpdateBytes: number;
}

/** The ack of a stored update. */
export interface DocUpdateResult {
  clientUpdateId: string;
}

/**
 * Server pushes: an update message, a presence change, or the end of the caller's access. The
 * pushes that fan out to a whole room carry their bytes as base64 text: Socket.IO sends a binary
 * attachment as a second WebSocket frame, so text halves the frames (and writes) per socket.
 */
export interface DocUpdateEvent {
  documentId: string;
  /** A y-protocols update message, base64. */
  sync: string;
}
export interface DocAwarenessEvent {
  documentId: string;
  /** A y-protocols awareness update, base64. */
  update: string;
}
/**
 * The server took this socket out of a document. `forbidden`: access ended (seat removed, conflict
 * declared, phase moved on). `unavailable`: access could not be confirmed (the database did not
 * answer a re-check): join again, the join decides once it can.
 */
export interface DocRevokedEvent {
  documentId: string;
  code: 'forbidden' | 'unavailable';
  message: string;
}
