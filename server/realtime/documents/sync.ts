import * as Y from 'yjs';
import { errors } from '../../../shared/errors.ts';
import { toWire, type DocJoinResult } from '../../../shared/realtime/documents.ts';
import { encodeSyncStep1, encodeSyncStep2 } from '../../../shared/realtime/syncMessages.ts';
import type { LiveDocument } from './liveDocument.ts';

/**
 * The Yjs sync protocol's two steps, as y-protocols defines them, over Socket.IO acks: the client's
 * step 1 (its state vector) is answered with step 2 (the update it lacks) plus the server's own
 * step 1, so the client can send its step 2 (what the server lacks) as an ordinary acked update.
 * That state vector covers stored updates only.
 */
export function answerSyncStep1(live: LiveDocument, clientStateVector: Uint8Array | undefined, canWrite: boolean, maxUpdateBytes: number): DocJoinResult {
  let update: Uint8Array;
  try {
    update = Y.encodeStateAsUpdate(live.doc, clientStateVector && clientStateVector.byteLength > 0 ? clientStateVector : undefined);
  } catch {
    throw errors.validation([{ path: 'stateVector', message: 'not a Yjs state vector' }]);
  }
  // Updates already broadcast to the room but still being stored: the joiner needs them too. The
  // state vector below leaves them out, so whoever holds them sends them again if storing fails.
  const unstored = live.unstored;
  if (unstored.length > 0) update = Y.mergeUpdates([update, ...unstored]);
  return {
    documentId: live.id,
    sync: toWire(encodeSyncStep2(update)),
    serverSync: toWire(encodeSyncStep1(Y.encodeStateVector(live.doc))),
    awareness: toWire(live.presence.encodeAll()),
    canWrite,
    maxUpdateBytes,
  };
}

/** Refuses a client state vector Yjs cannot read, before any document is opened for it. */
export function assertStateVector(stateVector: Uint8Array | undefined): void {
  if (!stateVector || stateVector.byteLength === 0) return;
  try {
    Y.decodeStateVector(stateVector);
  } catch {
    throw errors.validation([{ path: 'stateVector', message: 'not a Yjs state vector' }]);
  }
}
