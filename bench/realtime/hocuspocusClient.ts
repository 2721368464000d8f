import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import type { BenchClient, ClientOptions } from './client.ts';

// Hocuspocus frames: varString document name, varUint message type, payload.
const MESSAGE_SYNC = 0;
const MESSAGE_AUTH = 2;
const MESSAGE_SYNC_STATUS = 8;
const AUTH_TOKEN = 0;

/**
 * A minimal Hocuspocus protocol client (what @hocuspocus/provider sends, without applying every
 * broadcast to a document): enough to drive the server the same way as real providers do.
 */
export function connectHocuspocus(options: ClientOptions): BenchClient {
  const socket = new WebSocket(options.url);
  socket.binaryType = 'arraybuffer';
  const emptyDoc = new Y.Doc();
  const waitingAcks: (() => void)[] = [];
  let synced!: () => void;
  const ready = new Promise<void>((resolve) => (synced = resolve));

  const frame = (type: number, write: (encoder: encoding.Encoder) => void) => {
    const encoder = encoding.createEncoder();
    encoding.writeVarString(encoder, options.documentName);
    encoding.writeVarUint(encoder, type);
    write(encoder);
    socket.send(encoding.toUint8Array(encoder));
  };

  socket.addEventListener('open', () => {
    frame(MESSAGE_AUTH, (encoder) => {
      encoding.writeVarUint(encoder, AUTH_TOKEN);
      encoding.writeVarString(encoder, 'bench');
      encoding.writeVarString(encoder, '4.7.0');
    });
    frame(MESSAGE_SYNC, (encoder) => syncProtocol.writeSyncStep1(encoder, emptyDoc));
  });

  socket.addEventListener('message', (event: MessageEvent<ArrayBuffer>) => {
    const decoder = decoding.createDecoder(new Uint8Array(event.data));
    decoding.readVarString(decoder);
    const type = decoding.readVarUint(decoder);
    if (type === MESSAGE_SYNC) {
      const syncType = decoding.readVarUint(decoder);
      if (syncType === syncProtocol.messageYjsSyncStep1) {
        waitingAcks.push(() => {}); // the server acknowledges our step 2 as well
        frame(MESSAGE_SYNC, (encoder) => syncProtocol.writeSyncStep2(encoder, emptyDoc, decoding.readVarUint8Array(decoder)));
      } else if (syncType === syncProtocol.messageYjsSyncStep2) {
        synced();
      } else if (syncType === syncProtocol.messageYjsUpdate) {
        options.onUpdate?.(decoding.readVarUint8Array(decoder));
      }
    } else if (type === MESSAGE_SYNC_STATUS) {
      // The server's answer to one of our updates: applied (held in memory, not stored).
      waitingAcks.shift()?.();
    }
  });

  return {
    ready,
    send: (update) =>
      new Promise<void>((resolve) => {
        waitingAcks.push(resolve);
        frame(MESSAGE_SYNC, (encoder) => syncProtocol.writeUpdate(encoder, update));
      }),
    close: () => socket.close(),
  };
}
