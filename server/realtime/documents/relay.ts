import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { toWire } from '../../../shared/realtime/documents.ts';
import { documentRelaySchema, type DocumentRelayMessage } from '../../../shared/realtime/relay.ts';
import type { Logger } from '../../logger.ts';

/** What a process does with the relays of the others. */
export interface DocumentRelayHandlers {
  message: (message: DocumentRelayMessage) => void;
  /**
   * The subscription is (again) in place. Whatever was published while it was not — Redis
   * restarted, the connection dropped — is lost to this process: catch up from storage.
   */
  subscribed: () => void;
}

export interface DocumentRelay {
  /** Tells every other server process (fire and forget: while Redis is away, sent once it is back). */
  send: (message: DocumentRelayMessage) => void;
  /** Starts receiving the other processes' relays. */
  listen: (handlers: DocumentRelayHandlers) => void;
  close: () => void;
}

/**
 * Document relays between server processes: stored updates, presence changes, access re-checks.
 * Redis pub/sub on a channel of our own rather than Socket.IO's `serverSideEmit`, which the streams
 * adapter also sends over pub/sub, so a break in the subscription silently loses messages. Here
 * every (re)subscription is reported (`subscribed`), and the hub then re-reads its documents
 * from storage, where every stored update is before it is relayed. Messages are
 * `<sender id> <json>`, so a process skips its own without parsing them.
 */
export function createDocumentRelay(options: { publisher: Redis; channel: string; logger: Logger }): DocumentRelay {
  const { publisher, channel, logger } = options;
  const self = randomUUID();
  const prefix = `${self} `;
  // Subscribing is ours to do on every (re)connect, so that we know when it is in place again.
  const subscriber = publisher.duplicate({ autoResubscribe: false, lazyConnect: true });
  subscriber.on('error', (error) => logger.warn({ err: error }, 'document relay redis error'));
  let closed = false;

  return {
    send: (message) => {
      const wire = 'update' in message ? { ...message, update: toWire(message.update) } : message;
      publisher.publish(channel, prefix + JSON.stringify(wire)).catch((error: unknown) => {
        if (!closed) logger.warn({ err: error, type: message.type }, 'could not relay a document message');
      });
    },
    listen: (handlers) => {
      subscriber.on('message', (_channel: string, raw: string) => {
        if (raw.startsWith(prefix)) return;
        let parsed: ReturnType<typeof documentRelaySchema.safeParse>;
        try {
          parsed = documentRelaySchema.safeParse(JSON.parse(raw.slice(raw.indexOf(' ') + 1)));
        } catch (error) {
          return logger.warn({ err: error }, 'document relay message is not JSON');
        }
        if (!parsed.success) return logger.warn({ issues: parsed.error.issues }, 'invalid document relay message');
        handlers.message(parsed.data);
      });
      subscriber.on('ready', () => {
        subscriber.subscribe(channel).then(
          () => handlers.subscribed(),
          (error: unknown) => {
            // The connection dropped again before the subscription took: the next 'ready' tries again.
            if (!closed) logger.warn({ err: error }, 'document relay could not subscribe');
          },
        );
      });
      subscriber.connect().catch((error: unknown) => logger.warn({ err: error }, 'document relay could not connect'));
    },
    close: () => {
      closed = true;
      subscriber.disconnect();
    },
  };
}
