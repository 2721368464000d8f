/**
 * A minimal Socket.IO client for the benchmark driver: Engine.IO v4 + Socket.IO v5 over Node's
 * built-in WebSocket, text packets only (every Quorum document payload the driver sends or reads is
 * base64 text; a packet with binary attachments is read without them, and the binary frames skipped).
 *
 * Why not socket.io-client: one driver process plays 200 clients on the same 2 cores as the server,
 * so client-side cost shows up as propagation latency. The Hocuspocus side of the benchmark already
 * uses a minimal protocol client over the same WebSocket implementation; this keeps the two sides
 * equal. `BENCH_QUORUM_CLIENT=socket.io-client` runs the real client instead.
 */

// Engine.IO packet types (first character of each text frame).
const EIO_OPEN = '0';
const EIO_PING = '2';
const EIO_PONG = '3';
const EIO_MESSAGE = '4';
// Socket.IO packet types (first character after the Engine.IO "4").
const SIO_CONNECT = '0';
const SIO_EVENT = '2';
const SIO_ACK = '3';
const SIO_CONNECT_ERROR = '4';
const SIO_BINARY_EVENT = '5';
const SIO_BINARY_ACK = '6';

export interface WireSocket {
  /** Resolves once the Socket.IO connection to the main namespace is accepted. */
  connected: Promise<void>;
  /** Emits an event with an acknowledgement; resolves with the ack's first argument. */
  request: <T>(event: string, payload: unknown) => Promise<T>;
  /** Listens to a server event (raw JSON-decoded arguments). */
  on: (event: string, listener: (payload: unknown) => void) => void;
  close: () => void;
}

export function connectWire(url: string, cookie: string): WireSocket {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, { headers: { cookie } } as never);
  const listeners = new Map<string, (payload: unknown) => void>();
  const acks = new Map<number, (value: unknown) => void>();
  let nextAckId = 0;
  let accept!: () => void;
  let refuse!: (error: Error) => void;
  const connected = new Promise<void>((resolve, reject) => ((accept = resolve), (refuse = reject)));
  socket.addEventListener('error', () => refuse(new Error(`WebSocket to ${url} failed`)));

  socket.addEventListener('message', (event: MessageEvent<string | ArrayBuffer>) => {
    if (typeof event.data !== 'string') return; // an attachment: not used by the driver
    const frame = event.data;
    if (frame[0] === EIO_OPEN) return socket.send(`${EIO_MESSAGE}${SIO_CONNECT}`);
    if (frame[0] === EIO_PING) return socket.send(EIO_PONG);
    if (frame[0] !== EIO_MESSAGE) return;
    const type = frame[1];
    let at = 2;
    if (type === SIO_BINARY_EVENT || type === SIO_BINARY_ACK) {
      at = frame.indexOf('-', at) + 1; // "<attachments>-"
    }
    let idEnd = at;
    while (idEnd < frame.length && frame.charCodeAt(idEnd) >= 48 && frame.charCodeAt(idEnd) <= 57) idEnd++;
    const id = idEnd > at ? Number(frame.slice(at, idEnd)) : null;
    // An event nobody here listens to (a broadcast to a client that does not sample latency) is
    // not parsed, as the Hocuspocus client reads only its frame header then.
    if (type === SIO_EVENT && !listeners.has(frame.slice(idEnd + 2, frame.indexOf('"', idEnd + 2)))) return;
    const body = frame.length > idEnd ? (JSON.parse(frame.slice(idEnd)) as unknown) : null;
    if (type === SIO_CONNECT) return accept();
    if (type === SIO_CONNECT_ERROR) return refuse(new Error(`connection refused: ${JSON.stringify(body)}`));
    if ((type === SIO_ACK || type === SIO_BINARY_ACK) && id !== null) {
      const resolve = acks.get(id);
      acks.delete(id);
      return resolve?.((body as unknown[])[0]);
    }
    if (type === SIO_EVENT || type === SIO_BINARY_EVENT) {
      const [name, payload] = body as [string, unknown];
      listeners.get(name)?.(payload);
    }
  });

  return {
    connected,
    request: <T>(event: string, payload: unknown) =>
      new Promise<T>((resolve) => {
        const id = nextAckId++;
        acks.set(id, resolve as (value: unknown) => void);
        socket.send(`${EIO_MESSAGE}${SIO_EVENT}${id}${JSON.stringify([event, payload])}`);
      }),
    on: (event, listener) => listeners.set(event, listener),
    close: () => socket.close(),
  };
}
