import { z } from 'zod';
import { binarySchema, documentIdSchema } from './documents.ts';

/**
 * What server processes tell each other about collaborative documents, over a Redis channel of
 * their own (see server/realtime/documents/relay.ts). Validated on receipt like any boundary.
 */
export const documentRelaySchema = z.discriminatedUnion('type', [
  /** An update this process stored: every process holding the document applies it and sends it to its sockets. */
  z.strictObject({ type: z.literal('stored'), documentId: documentIdSchema, update: binarySchema }),
  /** A presence change of sockets on the sending process. */
  z.strictObject({ type: z.literal('presence'), documentId: documentIdSchema, update: binarySchema }),
  /** Access to an evaluation's documents changed (seat removed, conflict declared, phase): re-check local sockets. */
  z.strictObject({ type: z.literal('recheck'), evaluationId: z.uuid() }),
]);

export type DocumentRelayMessage = z.output<typeof documentRelaySchema>;
