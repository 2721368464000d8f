import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPanel, openProvider } from '../test/support/documents.ts';
import { startTestStack, type TestStack } from '../test/support/stack.ts';
import { eventually } from '../test/support/wait.ts';

let stack: TestStack;
let listener: Redis;
/** What every server process says on the document relay channel, as `<sender> <json>`. */
const relayed: string[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  listener = new Redis(stack.redis.url);
  listener.on('message', (_channel: string, message: string) => relayed.push(message));
  await listener.subscribe(`${stack.queuePrefix}:documents`);
});
afterAll(async () => {
  listener.disconnect();
  await stack.redis.stop();
  await stack.database.stop();
});

describe('a server process leaving', () => {
  it('says no goodbye while an edit it holds may still be stored after it (the others then catch up, as after a crash)', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const writer = await openProvider(stack.url, panel.reviewers[0]!.cookie, panel.documentId);
    await eventually(() => relayed.some((message) => message.includes('"type":"alive"')) || undefined);

    // The database is held (PGlite serves one transaction at a time) as an edit comes in and the
    // process is told to stop: storing what it holds cannot finish within the shutdown's bound.
    let release = () => {};
    const held = stack.database.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      await new Promise<void>((resolveHold) => (release = resolveHold));
    });
    writer.provider.doc.getText('notes').insert(0, 'Typed as the process stops.');
    await sleep(300);
    const stopping = stack.server.close();
    await sleep(4_000); // past the 3 s the shutdown gives the documents
    release();
    await held;
    await stopping;
    writer.close();
    expect(relayed.some((message) => message.includes('"type":"bye"'))).toBe(false);
  });
});
