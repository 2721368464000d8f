import { eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { buildPanel, openProvider } from '../../../test/support/documents.ts';
import { startServerProcess, type ServerProcess } from '../../../test/support/processes.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { eventually } from '../../../test/support/wait.ts';
import { panelSeats } from '../../db/schema.ts';
import { startLocalRedis, type LocalRedis } from '../../infra/redisServer.ts';

let stack: TestStack;
let servers: ServerProcess[];
let restarted: LocalRedis | null = null;
const closers: (() => void)[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  servers = await Promise.all([startServerProcess(stack), startServerProcess(stack)]);
});
afterAll(async () => {
  for (const close of closers) close();
  await Promise.all(servers.map((server) => server.stop()));
  await stack.close();
  await restarted?.stop();
});

const textOf = (doc: Y.Doc) => doc.getText('notes').toString();

describe('a worksheet on two server processes when their link through Redis breaks', () => {
  it('catches up on what was relayed while a process had lost its subscription', async () => {
    const panel = await buildPanel(stack.database.db, servers[0]!.url, { reviewers: 2 });
    const [alice, bob] = panel.reviewers;
    const onFirst = await openProvider(servers[0]!.url, alice!.cookie, panel.documentId);
    const onSecond = await openProvider(servers[1]!.url, bob!.cookie, panel.documentId);
    closers.push(onFirst.close, onSecond.close);
    const notes = onFirst.provider.doc.getText('notes');
    notes.insert(0, 'first. ');
    await eventually(() => textOf(onSecond.provider.doc) === 'first. ' || undefined);

    // Every subscriber connection drops (a network blip); the edit right after is stored and
    // published before the processes have subscribed again, so nobody receives that publish.
    const admin = new Redis(stack.redis.url);
    try {
      await admin.client('KILL', 'TYPE', 'pubsub');
    } finally {
      admin.disconnect();
    }
    notes.insert(notes.length, 'second.');
    await eventually(() => onFirst.provider.status === 'saved' || undefined);
    await eventually(() => textOf(onSecond.provider.doc) === 'first. second.' || undefined);
  });

  it('still saves edits while Redis is down; once it is back the other process catches up on edits and access changes', async () => {
    const panel = await buildPanel(stack.database.db, servers[0]!.url, { reviewers: 3 });
    const [alice, bob, carol] = panel.reviewers;
    const onFirst = await openProvider(servers[0]!.url, alice!.cookie, panel.documentId);
    const onSecond = await openProvider(servers[1]!.url, bob!.cookie, panel.documentId);
    const removed = await openProvider(servers[1]!.url, carol!.cookie, panel.documentId);
    closers.push(onFirst.close, onSecond.close, removed.close);
    const notes = onFirst.provider.doc.getText('notes');
    notes.insert(0, 'before the crash. ');
    await eventually(() => textOf(onSecond.provider.doc) === 'before the crash. ' || undefined);

    // Redis dies: nothing relays between the processes, but an edit is still stored and acked.
    stack.redis.process.kill('SIGKILL');
    await eventually(() => stack.redis.process.exitCode !== null || stack.redis.process.signalCode !== null || undefined);
    notes.insert(notes.length, 'typed while Redis was down.');
    await eventually(() => onFirst.provider.status === 'saved' || undefined);
    expect(textOf(onSecond.provider.doc)).toBe('before the crash. ');
    // Carol's seat goes meanwhile; the re-check that would reach the second process is lost.
    await stack.database.db.update(panelSeats).set({ removedAt: new Date() }).where(eq(panelSeats.id, carol!.seat.id));
    expect(removed.provider.revoked).toBeNull();

    // Redis comes back empty (no persistence in tests): the second process re-reads the worksheet.
    restarted = await startLocalRedis({ port: stack.redis.port });
    await eventually(() => textOf(onSecond.provider.doc) === 'before the crash. typed while Redis was down.' || undefined);
    await eventually(() => removed.provider.revoked ?? undefined);

    // And the relay works again, both ways.
    onSecond.provider.doc.getText('notes').insert(0, 'after. ');
    await eventually(() => textOf(onFirst.provider.doc) === 'after. before the crash. typed while Redis was down.' || undefined);
    notes.insert(notes.length, ' the end');
    await eventually(() => textOf(onSecond.provider.doc).endsWith(' the end') || undefined);
    expect(textOf(onSecond.provider.doc)).toBe(textOf(onFirst.provider.doc));
  });
});
