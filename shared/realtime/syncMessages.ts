import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { messageYjsSyncStep1, messageYjsSyncStep2, messageYjsUpdate, writeUpdate } from 'y-protocols/sync';

/**
 * The Yjs sync protocol of `y-protocols/sync`, message for message: step 1 carries a state
 * vector, step 2 the update the other side lacks, and an update message one live edit. Each
 * Socket.IO document event carries these messages as bytes, framed exactly as y-protocols frames
 * them (a varUint message type, then the payload as a varUint8Array), so both ends can read them
 * with `readSyncMessage` and any y-protocols peer understands them.
 */

export type SyncMessage =
  | { type: 'step1'; stateVector: Uint8Array }
  | { type: 'step2'; update: Uint8Array }
  | { type: 'update'; update: Uint8Array };

export type SyncMessageType = SyncMessage['type'];

/** Decodes one sync message; null when the bytes are not exactly one (unknown type, truncated, trailing bytes). */
export function readSyncMessageBytes(bytes: Uint8Array): SyncMessage | null {
  try {
    const decoder = decoding.createDecoder(bytes);
    const type = decoding.readVarUint(decoder);
    const payload = decoding.readVarUint8Array(decoder);
    if (decoding.hasContent(decoder)) return null;
    if (type === messageYjsSyncStep1) return { type: 'step1', stateVector: payload };
    if (type === messageYjsSyncStep2) return { type: 'step2', update: payload };
    if (type === messageYjsUpdate) return { type: 'update', update: payload };
    return null;
  } catch {
    return null;
  }
}

function frame(type: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, type);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

/** Sync step 1: "this is what I have" (a state vector). */
export const encodeSyncStep1 = (stateVector: Uint8Array): Uint8Array => frame(messageYjsSyncStep1, stateVector);

/** Sync step 2: "this is what you lack" (an update computed against the other side's state vector). */
export const encodeSyncStep2 = (update: Uint8Array): Uint8Array => frame(messageYjsSyncStep2, update);

/** An update message: one live change, as y-protocols' `writeUpdate` frames it. */
export function encodeSyncUpdate(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}
