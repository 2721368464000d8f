import * as Y from 'yjs';

/**
 * A client's sync step 2 (everything the server's state vector lacks) in updates of at most
 * `maxBytes`, for a client that edited a lot while offline: sent whole, it would be refused as too
 * large, and with it every edit it carries.
 *
 * Small enough, it stays one update. Otherwise the pieces are, first, what the server lacks of the
 * other clients' edits (broadcast to this client and not yet stored when it joined), then this
 * client's own unacknowledged edits (`localUpdates`, oldest first: one Yjs update per transaction),
 * several merged into one piece while they fit, each piece without what the server already holds.
 * The server applies them in order; an edit whose piece is still on its way waits in Yjs's pending
 * store, as any update that arrives early does. A single transaction larger than `maxBytes` stays
 * one piece (and is refused as too large, alone).
 */
export function splitStep2(doc: Y.Doc, missing: Uint8Array, serverStateVector: Uint8Array, localUpdates: readonly Uint8Array[], maxBytes: number): Uint8Array[] {
  if (missing.byteLength <= maxBytes) return [missing];
  const pieces: Uint8Array[] = [];
  const allButOurs = Y.decodeStateVector(serverStateVector);
  allButOurs.set(doc.clientID, Y.getState(doc.store, doc.clientID));
  const others = Y.diffUpdate(missing, Y.encodeStateVector(allButOurs));
  if (Y.decodeUpdate(others).structs.length > 0) pieces.push(...fit([others], serverStateVector, maxBytes));

  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  for (const update of localUpdates) {
    if (batch.length > 0 && batchBytes + update.byteLength > maxBytes) {
      pieces.push(...fit(batch, serverStateVector, maxBytes));
      batch = [];
      batchBytes = 0;
    }
    batch.push(update);
    batchBytes += update.byteLength;
  }
  if (batch.length > 0) pieces.push(...fit(batch, serverStateVector, maxBytes));
  return pieces;
}

/** The updates merged, less what the server holds; halved until each piece fits (or is one update). */
function fit(updates: Uint8Array[], serverStateVector: Uint8Array, maxBytes: number): Uint8Array[] {
  const piece = Y.diffUpdate(updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates), serverStateVector);
  if (piece.byteLength <= maxBytes || updates.length === 1) return [piece];
  const half = Math.ceil(updates.length / 2);
  return [...fit(updates.slice(0, half), serverStateVector, maxBytes), ...fit(updates.slice(half), serverStateVector, maxBytes)];
}
