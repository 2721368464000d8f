import { z } from 'zod';
import { documentIdSchema, fromBase64 } from './documents.ts';

/**
 * Bytes as base64: a stored update or a presence change. A group commit stores everything queued
 * during one insert as one row, so this may be far larger than one client update: the bound is only
 * against garbage.
 */
const relayBytesSchema = z
  .base64()
  .max(64 * 1024 * 1024)
  .transform((text) => fromBase64(text));

/**
 * What server processes tell each other about collaborative documents, over a Redis channel of
 * their own (see server/realtime/documents/relay.ts). Validated on receipt like any boundary.
 */
export const documentRelaySchema = z.discriminatedUnion('type', [
  /** An update this process stored: every process holding the document applies it and sends it to its sockets. */
  z.strictObject({ type: z.literal('stored'), documentId: documentIdSchema, update: relayBytesSchema }),
  /** A presence change of sockets on the sending process. */
  z.strictObject({ type: z.literal('presence'), documentId: documentIdSchema, update: relayBytesSchema }),
  /** A process just loaded the document: the others send the presence of their sockets in it. */
  z.strictObject({ type: z.literal('presence-request'), documentId: documentIdSchema }),
  /**
   * The sending process is alive (every few seconds): one that falls silent died, maybe with a relay
   * unsent. `lost`: Redis refused one of its stored-update or re-check relays since the last one.
   */
  z.strictObject({ type: z.literal('alive'), lost: z.literal(true).optional() }),
  /** The sending process is shutting down after relaying everything it stored: its silence hides nothing. */
  z.strictObject({ type: z.literal('bye') }),
  /** Access to an evaluation's documents changed (seat removed, conflict declared, phase): re-check local sockets. */
  z.strictObject({ type: z.literal('recheck'), evaluationId: z.uuid() }),
]);

export type DocumentRelayMessage = z.output<typeof documentRelaySchema>;
