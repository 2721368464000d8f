import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80_877_103;
const CANCEL_REQUEST = 80_877_102;
const PROTOCOL_3 = 196_608;

/**
 * Serves one PGlite instance over the PostgreSQL wire protocol to many connections.
 *
 * PGlite is a single backend, so connections take turns. A connection holds the turn from its first
 * message until PGlite answers ReadyForQuery with status Idle: a whole extended-protocol cycle
 * (Parse/Bind/Execute/Sync) or a whole transaction runs without another connection's messages in
 * between. (The multiplexer of @electric-sql/pglite-socket interleaves at message granularity,
 * which lets one connection's Bind replace another's unnamed portal.) Named prepared statements
 * would be shared by all connections, so the code does not use them (a named append measured only
 * 5% cheaper than an unnamed one here: the commit dominates).
 */
export function servePGliteWire(pglite: PGlite): Server {
  let turn: Promise<void> = Promise.resolve();
  const sockets = new Set<Socket>();

  /** Waits for the turn; resolves with the function that hands it on. */
  const takeTurn = async (): Promise<() => void> => {
    let release!: () => void;
    const previous = turn;
    turn = new Promise<void>((resolve) => (release = resolve));
    await previous;
    return release;
  };

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    let buffer = Buffer.alloc(0);
    let started = false;
    let release: (() => void) | null = null;
    let chain: Promise<void> = Promise.resolve();
    let closed = false;

    /** Runs one or more whole messages (never past the end of a cycle) while holding the turn. */
    const runMessage = async (message: Buffer) => {
      release ??= await takeTurn();
      if (closed) return;
      const response = await pglite.execProtocolRaw(new Uint8Array(message));
      if (!closed && response.length > 0) socket.write(response);
      if (readyStatus(response) === 'I') {
        release();
        release = null;
      }
    };

    const onClose = async () => {
      closed = true;
      sockets.delete(socket);
      await chain.catch(() => {});
      if (!release) return;
      // A connection that died inside a transaction must not leave it open for the next one.
      if (pglite.isInTransaction()) await pglite.execProtocolRaw(simpleQuery('ROLLBACK')).catch(() => {});
      release();
      release = null;
    };

    socket.on('data', (data: Buffer) => {
      buffer = Buffer.concat([buffer, data]);
      for (;;) {
        if (!started) {
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          const code = buffer.readInt32BE(4);
          if (buffer.length < length) return;
          const message = buffer.subarray(0, length);
          buffer = buffer.subarray(length);
          if (code === SSL_REQUEST) {
            socket.write('N');
            continue;
          }
          if (code === CANCEL_REQUEST) {
            socket.end();
            return;
          }
          if (code !== PROTOCOL_3) {
            socket.destroy();
            return;
          }
          started = true;
          chain = chain.then(() => runMessage(Buffer.from(message)));
          continue;
        }
        // The complete messages received, up to and including the first that ends a cycle (Sync or
        // a simple Query, answered with ReadyForQuery), go to PGlite in one call: each call costs
        // about as much as a small query, and an extended-protocol query is five messages.
        let end = 0;
        let terminate = false;
        while (end + 5 <= buffer.length) {
          const type = buffer[end];
          const length = 1 + buffer.readInt32BE(end + 1);
          if (end + length > buffer.length) break;
          if (type === 0x58 /* X: Terminate */) {
            terminate = true;
            break;
          }
          end += length;
          if (type === 0x53 /* S: Sync */ || type === 0x51 /* Q: Query */) break;
        }
        if (end > 0) {
          const messages = Buffer.from(buffer.subarray(0, end));
          buffer = buffer.subarray(end);
          chain = chain.then(() => runMessage(messages)).catch(() => {
            socket.destroy();
          });
        }
        if (terminate) {
          socket.end();
          return;
        }
        if (end === 0) return;
      }
    });
    socket.on('close', () => void onClose());
    socket.on('error', () => socket.destroy());
  });

  const close = server.close.bind(server);
  server.close = (callback?: (error?: Error) => void) => {
    for (const socket of sockets) socket.destroy();
    return close(callback);
  };
  return server;
}

/** The transaction status of the last ReadyForQuery in a response ('I' idle, 'T' in transaction, 'E' failed), if any. */
function readyStatus(response: Uint8Array): string | null {
  let status: string | null = null;
  let offset = 0;
  while (offset + 5 <= response.length) {
    const type = response[offset];
    const length = ((response[offset + 1]! << 24) | (response[offset + 2]! << 16) | (response[offset + 3]! << 8) | response[offset + 4]!) >>> 0;
    if (type === 0x5a /* Z */ && offset + 5 < response.length) status = String.fromCharCode(response[offset + 5]!);
    offset += 1 + length;
  }
  return status;
}

function simpleQuery(text: string): Uint8Array {
  const body = Buffer.from(`${text}\0`, 'utf8');
  const message = Buffer.alloc(5 + body.length);
  message.write('Q', 0, 'ascii');
  message.writeInt32BE(4 + body.length, 1);
  body.copy(message, 5);
  return new Uint8Array(message);
}
