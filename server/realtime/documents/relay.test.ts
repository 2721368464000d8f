import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentRelayMessage } from '../../../shared/realtime/relay.ts';
import { eventually } from '../../../test/support/wait.ts';
import { startLocalRedis, type LocalRedis } from '../../infra/redisServer.ts';
import { createLogger } from '../../logger.ts';
import { createDocumentRelay, type DocumentRelay } from './relay.ts';

let redis: LocalRedis;
const clients: Redis[] = [];
const relays: DocumentRelay[] = [];

beforeAll(async () => {
  redis = await startLocalRedis();
});
afterAll(async () => {
  for (const relay of relays) relay.close();
  for (const client of clients) client.disconnect();
  await redis.stop();
});

const HEARTBEAT_MS = 50;
const SILENCE_MS = 300;

/** A process's relay on `channel`, recording what it hears and how often it is told to catch up. */
function processOn(channel: string, peerSilenceMs = SILENCE_MS) {
  const publisher = new Redis(redis.url, { maxRetriesPerRequest: null });
  clients.push(publisher);
  const relay = createDocumentRelay({ publisher, channel, logger: createLogger('test', 'silent'), heartbeatMs: HEARTBEAT_MS, peerSilenceMs });
  relays.push(relay);
  const heard: DocumentRelayMessage[] = [];
  const state = { missed: 0, heard, relay, publisher };
  void relay.listen({ message: (message) => heard.push(message), missed: () => state.missed++ });
  return state;
}

const evaluationId = '7d1f7c52-4a4e-4a49-9a53-0b4f1f0c9a11';

describe('document relay between server processes', () => {
  it('delivers validated messages to the others only, and takes an unreadable one as a reason to catch up', async () => {
    // Silence is never noticed here (a busy machine must not make a peer look dead): only garbage counts.
    const [a, b] = [processOn('relay-a', 600_000), processOn('relay-a', 600_000)];
    // Each reports its own subscription once it is in place (what was published before is lost to it).
    await eventually(() => a.missed >= 1 && b.missed >= 1);
    // A bystander on the channel learns a's sender id from the message a sends.
    const listener = a.publisher.duplicate();
    clients.push(listener);
    const aId = new Promise<string>((resolve) =>
      listener.on('message', (_channel: string, raw: string) => {
        if (raw.includes('"type":"recheck"')) resolve(raw.slice(0, raw.indexOf(' ')));
      }),
    );
    await listener.subscribe('relay-a');
    a.relay.send({ type: 'recheck', evaluationId });
    await eventually(() => b.heard.length === 1);
    expect(b.heard[0]).toEqual({ type: 'recheck', evaluationId });
    expect(a.heard).toEqual([]);

    // Garbage under a's name (a keeps saying it is alive, so only the garbage can cause a catch-up).
    const sender = await aId;
    const before = b.missed;
    await a.publisher.publish('relay-a', `${sender} {"type":"recheck","evaluationId":"not-a-uuid"}`);
    await a.publisher.publish('relay-a', `${sender} not json`);
    await eventually(() => b.missed === before + 2);
    expect(b.heard).toHaveLength(1);
  });

  it('is known to the others once listening has begun: one that dies before sending anything makes them catch up', async () => {
    const watcher = processOn('relay-new', 1_000);
    await eventually(() => watcher.missed >= 1);
    const settled = watcher.missed;
    const publisher = new Redis(redis.url, { maxRetriesPerRequest: null });
    clients.push(publisher);
    const newcomer = createDocumentRelay({ publisher, channel: 'relay-new', logger: createLogger('test', 'silent'), heartbeatMs: 60_000, peerSilenceMs: SILENCE_MS });
    relays.push(newcomer);
    // Taking sockets now (a server starts listening once this resolves), it could store an update…
    await newcomer.listen({ message: () => {}, missed: () => {} });
    // …and die before relaying it: no goodbye, no heartbeat.
    newcomer.close();
    await eventually(() => watcher.missed > settled || undefined, 100);
  });

  it('is answered by the processes already there, so it notices one that dies before its next heartbeat', async () => {
    // A process that says it is alive only once a minute (it did as it started, before the newcomer).
    const publisher = new Redis(redis.url, { maxRetriesPerRequest: null });
    clients.push(publisher);
    const quiet = createDocumentRelay({ publisher, channel: 'relay-g', logger: createLogger('test', 'silent'), heartbeatMs: 60_000, peerSilenceMs: 600_000 });
    relays.push(quiet);
    await quiet.listen({ message: () => {}, missed: () => {} });
    // What goes over the channel from here on: the newcomer's first heartbeat, and the answer to it.
    const listener = new Redis(redis.url);
    clients.push(listener);
    const senders = new Set<string>();
    listener.on('message', (_channel: string, raw: string) => senders.add(raw.slice(0, raw.indexOf(' '))));
    await listener.subscribe('relay-g');
    const newcomer = processOn('relay-g');
    await eventually(() => (newcomer.missed >= 1 && senders.size === 2) || undefined);
    const settled = newcomer.missed;
    // It dies right away (no goodbye): the newcomer knows of it from its answer, and catches up once
    // it has been silent for the newcomer's window (without the answer it would not know it existed).
    quiet.close();
    await eventually(() => newcomer.missed > settled || undefined);
  });

  it('does not catch up when another process said goodbye before falling silent', async () => {
    // A second of silence is noticed (long enough that a busy machine's stall is not taken for one).
    const [watcher, leaving] = [processOn('relay-b', 1_000), processOn('relay-b', 1_000)];
    await eventually(() => watcher.missed >= 1 && leaving.missed >= 1);
    leaving.relay.send({ type: 'recheck', evaluationId });
    await eventually(() => watcher.heard.length === 1);
    const settled = watcher.missed;

    // A graceful shutdown: stop listening, relay what is left, say goodbye.
    leaving.relay.close();
    leaving.relay.send({ type: 'recheck', evaluationId });
    await leaving.relay.farewell();
    await eventually(() => watcher.heard.length === 2);
    await sleep(5_000); // the window in which its silence would have been noticed several times over
    expect(watcher.missed).toBe(settled);
  });

  it('catches up when another process falls silent without a goodbye (it may have died between storing and relaying)', async () => {
    const [watcher, crashing] = [processOn('relay-e'), processOn('relay-e')];
    await eventually(() => watcher.missed >= 1 && crashing.missed >= 1);
    crashing.relay.send({ type: 'recheck', evaluationId });
    await eventually(() => watcher.heard.length === 1);
    const settled = watcher.missed;
    crashing.relay.close();
    await eventually(() => watcher.missed > settled || undefined);
  });

  it('tells the others to catch up when Redis refused one of its relays', async () => {
    // Silence is never noticed here: only the lost relay can cause a catch-up.
    const [watcher, sender] = [processOn('relay-c', 600_000), processOn('relay-c', 600_000)];
    await eventually(() => watcher.missed >= 1 && sender.missed >= 1);
    const admin = new Redis(redis.url);
    clients.push(admin);
    const settled = watcher.missed;
    await admin.call('ACL', 'SETUSER', 'default', '-publish');
    try {
      sender.relay.send({ type: 'stored', documentId: 'worksheet:7d1f7c52-4a4e-4a49-9a53-0b4f1f0c9a11', update: new Uint8Array([0, 0]) });
      // Its heartbeats are refused as well meanwhile; let one fail after the relay did.
      await sleep(HEARTBEAT_MS * 4);
    } finally {
      await admin.call('ACL', 'SETUSER', 'default', '+publish');
    }
    await eventually(() => watcher.missed === settled + 1);
    expect(watcher.heard).toEqual([]);
    // Told once: the next heartbeats are plain again.
    await sleep(HEARTBEAT_MS * 4);
    expect(watcher.missed).toBe(settled + 1);
  });

  it('queues nothing while its link to Redis is down, and has the others catch up once it is back', async () => {
    const [watcher, sender] = [processOn('relay-d', 600_000), processOn('relay-d', 600_000)];
    await eventually(() => watcher.missed >= 1 && sender.missed >= 1);
    const settled = watcher.missed;
    // The link drops (and comes back by itself); an update is stored meanwhile.
    const whileDown = new Promise<string>((resolve) =>
      sender.publisher.once('close', () => {
        sender.relay.send({ type: 'stored', documentId: 'worksheet:7d1f7c52-4a4e-4a49-9a53-0b4f1f0c9a11', update: new Uint8Array([0, 0]) });
        resolve(sender.publisher.status);
      }),
    );
    sender.publisher.disconnect(true);
    expect(await whileDown).not.toBe('ready');
    await eventually(() => watcher.missed === settled + 1);
    expect(watcher.heard).toEqual([]);
  });

  it('subscribes again when it stops hearing even itself (a connection that died without closing), and catches up', async () => {
    // A process whose connections to Redis go through a proxy that can black-hole one of them:
    // nothing passes either way, and nothing closes, as when a host vanishes from the network.
    const upstream = new URL(redis.url);
    const links: { client: Socket; server: Socket }[] = [];
    const proxy = createServer((client) => {
      const server = connect(Number(upstream.port), upstream.hostname);
      client.pipe(server).pipe(client);
      const drop = () => {
        client.destroy();
        server.destroy();
      };
      client.on('error', drop);
      server.on('error', drop);
      links.push({ client, server });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const watcher = processOn('relay-f', 600_000);
      const publisher = new Redis(`redis://127.0.0.1:${(proxy.address() as AddressInfo).port}`, { maxRetriesPerRequest: null });
      clients.push(publisher);
      const relay = createDocumentRelay({ publisher, channel: 'relay-f', logger: createLogger('test', 'silent'), heartbeatMs: HEARTBEAT_MS, peerSilenceMs: SILENCE_MS });
      relays.push(relay);
      const deaf = { missed: 0, heard: [] as DocumentRelayMessage[] };
      await relay.listen({ message: (message) => deaf.heard.push(message), missed: () => deaf.missed++ });
      expect(links).toHaveLength(2); // the publisher's, then the subscriber's
      const settled = deaf.missed;

      const subscription = links[1]!;
      subscription.client.unpipe();
      subscription.server.unpipe();
      subscription.client.pause();
      subscription.server.pause();
      watcher.relay.send({ type: 'recheck', evaluationId });
      // Its own heartbeats stop coming back: it connects again, subscribes, and catches up.
      await eventually(() => (deaf.missed > settled && links.length === 3) || undefined);
      expect(deaf.heard).toEqual([]);
      watcher.relay.send({ type: 'recheck', evaluationId });
      await eventually(() => deaf.heard.length === 1 || undefined);
    } finally {
      for (const { client, server } of links) {
        client.destroy();
        server.destroy();
      }
      proxy.close();
    }
  });
});
