import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { toWire } from '../../../shared/realtime/documents.ts';
import { documentRelaySchema, type DocumentRelayMessage } from '../../../shared/realtime/relay.ts';
import type { Logger } from '../../logger.ts';

/** Each process says it is alive this often; one not heard from for PEER_SILENCE_MS is taken for dead. */
const HEARTBEAT_MS = 2_000;
const PEER_SILENCE_MS = 8_000;

export interface DocumentRelayOptions {
  publisher: Redis;
  channel: string;
  logger: Logger;
  /** How often this process says it is alive (default 2 s). */
  heartbeatMs?: number;
  /** How long another process may stay silent before it is taken for dead (default 8 s). */
  peerSilenceMs?: number;
}

/** What a process does with the relays of the others. */
export interface DocumentRelayHandlers {
  message: (message: DocumentRelayMessage) => void;
  /**
   * Something may have been missed: the subscription is (again) in place — what was published
   * while it was not (Redis restarted, the connection dropped) is lost to this process — or a
   * relay could not be read, or another process fell silent (killed, maybe between storing an
   * update and relaying it). Catch up from storage.
   */
  missed: () => void;
}

export interface DocumentRelay {
  /**
   * Tells every other server process (fire and forget). While this process's link to Redis is
   * down nothing is queued (an outage would grow the queue by every stored update): stored updates
   * and re-checks are dropped and reported by the first heartbeat once the link is back, so the
   * others catch up from storage (after an outage of Redis itself they do anyway, on resubscribing);
   * presence changes are dropped (stale by then; each is renewed).
   */
  send: (message: DocumentRelayMessage) => void;
  /**
   * Starts receiving the other processes' relays. Resolves once subscribed and announced to them
   * (the first time): a process should not take sockets before the others know it, or one that
   * dies after storing its first update and before relaying it would leave them none the wiser.
   */
  listen: (handlers: DocumentRelayHandlers) => Promise<void>;
  /** Stops receiving relays and saying this process is alive. */
  close: () => void;
  /**
   * Tells the others this process is leaving on purpose, once everything it stored has been relayed
   * (Redis delivers one connection's messages in order): they need not catch up when it falls silent.
   * Resolves once Redis took the message; without Redis, the others catch up as after a crash.
   */
  farewell: () => Promise<void>;
}

/**
 * Document relays between server processes: stored updates, presence changes, access re-checks.
 * Redis pub/sub on a channel of our own rather than Socket.IO's `serverSideEmit`, which the streams
 * adapter also sends over pub/sub, so a break in the subscription silently loses messages. Here
 * every (re)subscription is reported (`missed`), and the hub then re-reads its documents from
 * storage, where every stored update is before it is relayed. (A SUBSCRIBE resent by ioredis
 * after a drop can report twice; the hub runs one catch-up at a time.) Every process also says it is
 * alive every HEARTBEAT_MS; when one falls silent the others catch up too, since it may have died
 * after storing an update and before relaying it. Messages are `<sender id> <json>`, so a process
 * skips its own without parsing them.
 */
export function createDocumentRelay(options: DocumentRelayOptions): DocumentRelay {
  const { publisher, channel, logger, heartbeatMs = HEARTBEAT_MS, peerSilenceMs = PEER_SILENCE_MS } = options;
  const self = randomUUID();
  const prefix = `${self} `;
  // Subscribing is ours to do on every (re)connect, so that we know when it is in place again.
  const subscriber = publisher.duplicate({ autoResubscribe: false, lazyConnect: true });
  subscriber.on('error', (error) => logger.warn({ err: error }, 'document relay redis error'));
  let closed = false;
  /** Other processes by sender id: when each was last heard from. */
  const peers = new Map<string, number>();
  let heartbeat: NodeJS.Timeout | null = null;
  /** A stored update or re-check could not be relayed (Redis refused it): the next heartbeat says so. */
  let lost = false;
  // This process hears its own heartbeats too (and skips them): when Redis keeps taking them and
  // they stop coming back, the subscription is deaf (its connection died without closing, which the
  // subscriber, never sending, would not notice for the kernel's two hours), and every peer would
  // look silent at once, then be forgotten. When the subscription was last known to hear, and when
  // Redis last took a heartbeat: set when subscribed.
  let heardSelfAt: number | null = null;
  let saidAt = 0;
  const publish = (message: DocumentRelayMessage) => {
    const wire = 'update' in message ? { ...message, update: toWire(message.update) } : message;
    publisher.publish(channel, prefix + JSON.stringify(wire)).catch((error: unknown) => {
      if (closed) return;
      logger.warn({ err: error, type: message.type }, 'could not relay a document message');
      if (message.type === 'stored' || message.type === 'recheck') lost = true;
    });
  };
  const sayAlive = (): Promise<boolean> => {
    const telling = lost;
    lost = false;
    return publisher.publish(channel, prefix + JSON.stringify(telling ? { type: 'alive', lost: true } : { type: 'alive' })).then(
      () => {
        saidAt = performance.now();
        return true;
      },
      () => {
        if (telling) lost = true;
        return false;
      },
    );
  };

  return {
    send: (message) => {
      if (publisher.status !== 'ready') {
        if (message.type === 'stored' || message.type === 'recheck') lost = true;
        return;
      }
      publish(message);
    },
    listen: (handlers) => {
      let announce: () => void = () => {};
      const announced = new Promise<void>((resolve) => (announce = resolve));
      subscriber.on('message', (_channel: string, raw: string) => {
        if (raw.startsWith(prefix)) return void (heardSelfAt = performance.now());
        const sender = raw.slice(0, raw.indexOf(' '));
        const known = peers.has(sender);
        peers.set(sender, performance.now());
        // A process new to us (starting, most likely) learns of this one now rather than at its next
        // heartbeat: one that died meanwhile, after storing an update, would go unnoticed by it.
        if (!known && publisher.status === 'ready') void sayAlive();
        const read = readRelay(raw);
        if (!read.ok) {
          // Another process's update (or access change) this one cannot read: storage has it.
          logger.warn({ err: read.error }, 'unreadable document relay message');
          return handlers.missed();
        }
        // Alive, and maybe telling that a relay of its own was lost: storage has what it stored.
        if (read.message.type === 'alive') return read.message.lost ? handlers.missed() : undefined;
        // Left after relaying all it stored: its silence hides nothing. (Anything it sends later makes it a peer again.)
        if (read.message.type === 'bye') return void peers.delete(sender);
        try {
          handlers.message(read.message);
        } catch (error) {
          logger.error({ err: error, type: read.message.type }, 'document relay message failed');
        }
      });
      subscriber.on('ready', () => {
        subscriber.subscribe(channel).then(
          () => {
            heardSelfAt = performance.now();
            // Known to the others at once, not at the next heartbeat.
            void sayAlive().then((said) => said && announce());
            handlers.missed();
          },
          (error: unknown) => {
            if (!closed) logger.warn({ err: error }, 'document relay could not subscribe');
          },
        );
      });
      subscriber.connect().catch((error: unknown) => logger.warn({ err: error }, 'document relay could not connect'));
      heartbeat = setInterval(() => {
        if (publisher.status === 'ready') void sayAlive();
        const now = performance.now();
        if (heardSelfAt !== null && subscriber.status === 'ready' && saidAt - heardSelfAt > peerSilenceMs) {
          logger.warn({ silentForMs: Math.round(now - heardSelfAt) }, 'document relay hears nothing, not even itself: subscribing again');
          heardSelfAt = null;
          // Connects again, which subscribes again and catches up from storage (the 'ready' handler).
          subscriber.disconnect(true);
          return;
        }
        let silent = false;
        for (const [peer, heardAt] of peers) {
          if (now - heardAt < peerSilenceMs) continue;
          peers.delete(peer);
          silent = true;
        }
        if (silent) handlers.missed();
      }, heartbeatMs);
      heartbeat.unref();
      return announced;
    },
    close: () => {
      closed = true;
      if (heartbeat) clearInterval(heartbeat);
      subscriber.disconnect();
    },
    farewell: async () => {
      if (publisher.status !== 'ready') return;
      await publisher.publish(channel, prefix + JSON.stringify({ type: 'bye' }));
    },
  };
}

/** Parses and validates `<sender id> <json>`. */
function readRelay(raw: string): { ok: true; message: DocumentRelayMessage } | { ok: false; error: unknown } {
  try {
    const parsed = documentRelaySchema.safeParse(JSON.parse(raw.slice(raw.indexOf(' ') + 1)));
    return parsed.success ? { ok: true, message: parsed.data } : { ok: false, error: parsed.error };
  } catch (error) {
    return { ok: false, error };
  }
}
