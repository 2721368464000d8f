import { encodeSyncUpdate } from '../../../shared/realtime/syncMessages.ts';
import { toWire } from '../../../shared/realtime/documents.ts';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import type { QuorumIo } from '../notifier.ts';
import { rooms } from '../rooms.ts';
import { appendUpdate } from './persistence.ts';
import type { DocumentRelay } from './relay.ts';

/** Where a live document's stored updates go, and how they reach its room. */
export interface DocumentOutlets {
  /** Makes the (possibly merged) update durable; rejects when it could not be stored. */
  store: (documentId: string, update: Uint8Array, actorId: string | null) => Promise<void>;
  /** Sends an update to this process's sockets in the room, except `exceptSocketId`. */
  broadcast: (documentId: string, update: Uint8Array, exceptSocketId: string | null) => void;
  /** Sends a presence change to this process's sockets in the room, except `exceptSocketId`. */
  broadcastAwareness: (documentId: string, update: Uint8Array, exceptSocketId: string | null) => void;
  /** Hands a presence change made here (a local socket's, or its removal) to the other server processes. */
  relayAwareness: (documentId: string, update: Uint8Array) => void;
  /** A stored update that did not apply to the Y.Doc (it was checked on a scratch document before storing, so this is a bug to log). */
  badUpdate: (documentId: string, error: unknown) => void;
  /** Edits whose insert failed and that were still unstored when the document was closed: only clients that hold them can send them again. */
  storeAbandoned: (documentId: string, error: unknown) => void;
}

/**
 * Where this process's live documents send what they do: stored updates to PostgreSQL and then to
 * the other server processes, broadcasts and presence to the local sockets of the room.
 */
export function documentOutlets(options: { io: QuorumIo; db: Database; logger: Logger; relay: Pick<DocumentRelay, 'send'>; config: Pick<Config, 'DOC_STORE_TIMEOUT_MS'> }): DocumentOutlets {
  const { io, db, logger, relay, config } = options;
  return {
    store: async (documentId, update, actorId) => {
      await appendUpdate(db, documentId, update, actorId, config.DOC_STORE_TIMEOUT_MS);
      // Other server processes holding this document apply it too (see relayDocumentsAcrossProcesses).
      relay.send({ type: 'stored', documentId, update });
    },
    broadcast: (documentId, update, except) => {
      const target = io.local.to(rooms.document(documentId));
      // Framed once as a y-protocols update message, as base64 text (one frame per socket, see
      // toWire); Socket.IO encodes the packet once for the whole room.
      (except ? target.except(except) : target).emit('doc.update', { documentId, sync: toWire(encodeSyncUpdate(update)) });
    },
    broadcastAwareness: (documentId, update, except) => {
      const target = io.local.to(rooms.document(documentId));
      (except ? target.except(except) : target).emit('doc.awareness', { documentId, update: toWire(update) });
    },
    relayAwareness: (documentId, update) => relay.send({ type: 'presence', documentId, update }),
    badUpdate: (documentId, error) => logger.error({ err: error, documentId }, 'stored document update does not apply'),
    storeAbandoned: (documentId, error) => logger.error({ err: error, documentId }, 'gave up storing edits after a failed insert; their writers or the room must send them again'),
  };
}
