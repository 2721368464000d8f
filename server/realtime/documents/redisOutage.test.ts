import { eq, sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { buildPanel, openProvider } from '../../../test/support/documents.ts';
import { startServerProcess, type ServerProcess } from '../../../test/support/processes.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { eventually } from '../../../test/support/wait.ts';
import { panelSeats } from '../../db/schema.ts';
import { startLocalRedis, type LocalRedis } from '../../infra/redisServer.ts';
import { appendUpdate } from './persistence.ts';

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

/**
 * A fresh worksheet with Alice on the first process and the other reviewers (Bob, then Carol) on
 * the second, once Bob has seen the `opening` line Alice typed.
 */
async function panelAcrossProcesses(opening: string, reviewers = 2) {
  const panel = await buildPanel(stack.database.db, servers[0]!.url, { reviewers });
  const [alice, ...others] = panel.reviewers;
  const onFirst = await openProvider(servers[0]!.url, alice!.cookie, panel.documentId);
  const [onSecond, removed] = await Promise.all(others.map((reviewer) => openProvider(servers[1]!.url, reviewer.cookie, panel.documentId)));
  closers.push(onFirst.close, onSecond!.close, ...(removed ? [removed.close] : []));
  const notes = onFirst.provider.doc.getText('notes');
  notes.insert(0, opening);
  await eventually(() => textOf(onSecond!.provider.doc) === opening || undefined);
  return { panel, onFirst, onSecond: onSecond!, removed, notes, carol: panel.reviewers[2] };
}

/** Stores, as some process would and without relaying it, `text` appended to what `from` holds. */
async function storeUnrelayed(documentId: string, from: Y.Doc, text: string): Promise<void> {
  const elsewhere = new Y.Doc();
  Y.applyUpdate(elsewhere, Y.encodeStateAsUpdate(from));
  let stored: Uint8Array | null = null;
  elsewhere.once('update', (update: Uint8Array) => (stored = update));
  const notes = elsewhere.getText('notes');
  notes.insert(notes.length, text);
  await appendUpdate(stack.database.db, documentId, stored!, null);
}

/**
 * Drops every subscriber connection (a network blip) while Redis takes no new connection, runs
 * `meanwhile` (whatever is published then reaches no process), and lets connections in again.
 */
async function withSubscriptionsBroken(meanwhile: () => Promise<void>): Promise<void> {
  const admin = new Redis(stack.redis.url);
  const [, maxClients] = (await admin.config('GET', 'maxclients')) as [string, string];
  await admin.config('SET', 'maxclients', '1');
  try {
    await admin.client('KILL', 'TYPE', 'pubsub');
    await meanwhile();
  } finally {
    await admin.config('SET', 'maxclients', maxClients);
    admin.disconnect();
  }
}

describe('a worksheet on two server processes when their link through Redis breaks', () => {
  it('catches up on access and edits relayed while a process had lost its subscription, access first', async () => {
    const { onFirst, onSecond, removed, notes, carol } = await panelAcrossProcesses('first. ', 3);

    // While the processes are not subscribed, Carol's seat goes and Alice's edit is stored and
    // published to nobody.
    await withSubscriptionsBroken(async () => {
      await stack.database.db.update(panelSeats).set({ removedAt: new Date() }).where(eq(panelSeats.id, carol!.seat.id));
      notes.insert(notes.length, 'second.');
      await eventually(() => onFirst.provider.status === 'saved' || undefined);
      expect(textOf(onSecond.provider.doc)).toBe('first. ');
    });

    // Connections are welcome again: the second process subscribes, takes Carol out, then sends
    // Bob what he missed.
    await eventually(() => textOf(onSecond.provider.doc) === 'first. second.' || undefined);
    await eventually(() => removed!.provider.revoked ?? undefined);
    expect(textOf(removed!.provider.doc)).toBe('first. ');
  });

  it('tries a catch-up again when it could not read the database', async () => {
    const { onFirst, onSecond, notes } = await panelAcrossProcesses('one. ');
    // The edit is published to nobody, and the update log is out of reach when the processes
    // subscribe again: each read of it fails, and is counted (a sequence keeps counting through
    // the failed statement).
    const db = stack.database.db;
    const away = [
      sql`create sequence catch_up_reads`,
      sql`alter table document_updates rename to document_updates_away`,
      sql.raw(`create function refuse_read() returns boolean language plpgsql volatile as $$ begin perform nextval('catch_up_reads'); raise exception 'the update log is away'; end $$`),
      sql`create view document_updates as select * from document_updates_away where refuse_read()`,
    ];
    await withSubscriptionsBroken(async () => {
      notes.insert(notes.length, 'two.');
      await eventually(() => onFirst.provider.status === 'saved' || undefined);
      for (const statement of away) await db.execute(statement);
    });
    try {
      // Both worksheet processes tried (and failed) to catch up.
      await eventually(async () => {
        const [row] = (await db.execute<{ reads: string }>(sql`select case when is_called then last_value else 0 end as reads from catch_up_reads`)).rows;
        return Number(row?.reads) >= 2 || undefined;
      });
      // (Checked while the log is still away: once it is back, a retry may bring the edit any moment.)
      expect(textOf(onSecond.provider.doc)).toBe('one. ');
    } finally {
      for (const statement of [sql`drop view document_updates`, sql`drop function refuse_read()`, sql`alter table document_updates_away rename to document_updates`, sql`drop sequence catch_up_reads`]) {
        await db.execute(statement);
      }
    }
    // Back within reach: the next try brings it.
    await eventually(() => textOf(onSecond.provider.doc) === 'one. two.' || undefined);
  });

  it('catches up when another process falls silent, which may have died between storing an update and relaying it', async () => {
    const { panel, onFirst, onSecond } = await panelAcrossProcesses('kept. ');
    // Which processes speak on the relay (this stack's own server and the two worksheet processes).
    const listener = new Redis(stack.redis.url);
    const senders = new Set<string>();
    listener.on('message', (_channel: string, raw: string) => senders.add(raw.slice(0, raw.indexOf(' '))));
    await listener.subscribe(`${stack.queuePrefix}:documents`);
    await eventually(() => senders.size >= 3 || undefined);
    const doomed = await startServerProcess(stack);
    await eventually(() => senders.size >= 4 || undefined);
    listener.disconnect();
    // What a process killed right after its insert committed leaves behind: a stored update nobody relayed.
    await storeUnrelayed(panel.documentId, onFirst.provider.doc, 'stored, never relayed.');
    await doomed.crash();
    for (const client of [onFirst, onSecond]) {
      await eventually(() => textOf(client.provider.doc) === 'kept. stored, never relayed.' || undefined);
    }
  });

  it('reads storage again when a relay message cannot be read, and crashes nothing', async () => {
    const { panel, onFirst, onSecond } = await panelAcrossProcesses('shared. ');

    // An update some process stored without a relay either server could read.
    await storeUnrelayed(panel.documentId, onFirst.provider.doc, 'stored elsewhere.');
    const admin = new Redis(stack.redis.url);
    try {
      for (const garbage of ['no sender', 'someone {not json', `someone ${JSON.stringify({ type: 'stored', documentId: panel.documentId, update: '***' })}`]) {
        await admin.publish(`${stack.queuePrefix}:documents`, garbage);
      }
    } finally {
      admin.disconnect();
    }
    for (const client of [onFirst, onSecond]) {
      await eventually(() => textOf(client.provider.doc) === 'shared. stored elsewhere.' || undefined);
    }
    // Both processes still serve.
    onSecond.provider.doc.getText('notes').insert(0, 'still here. ');
    await eventually(() => textOf(onFirst.provider.doc).startsWith('still here. ') || undefined);
  });

  it('still saves edits while Redis is down; once it is back the other process catches up on edits and access changes', async () => {
    const { onFirst, onSecond, removed, notes, carol } = await panelAcrossProcesses('before the crash. ', 3);

    // Redis dies: nothing relays between the processes, but an edit is still stored and acked.
    stack.redis.process.kill('SIGKILL');
    await eventually(() => stack.redis.process.exitCode !== null || stack.redis.process.signalCode !== null || undefined);
    notes.insert(notes.length, 'typed while Redis was down.');
    await eventually(() => onFirst.provider.status === 'saved' || undefined);
    expect(textOf(onSecond.provider.doc)).toBe('before the crash. ');
    // Carol's seat goes meanwhile; the re-check that would reach the second process is lost.
    await stack.database.db.update(panelSeats).set({ removedAt: new Date() }).where(eq(panelSeats.id, carol!.seat.id));
    expect(removed!.provider.revoked).toBeNull();

    // Redis comes back empty (no persistence in tests): the second process re-reads the worksheet.
    restarted = await startLocalRedis({ port: stack.redis.port });
    await eventually(() => textOf(onSecond.provider.doc) === 'before the crash. typed while Redis was down.' || undefined);
    // (Relays queued while Redis was away may arrive before the catch-up: the edit may reach Carol.)
    await eventually(() => removed!.provider.revoked ?? undefined);

    // And the relay works again, both ways.
    onSecond.provider.doc.getText('notes').insert(0, 'after. ');
    await eventually(() => textOf(onFirst.provider.doc) === 'after. before the crash. typed while Redis was down.' || undefined);
    notes.insert(notes.length, ' the end');
    await eventually(() => textOf(onSecond.provider.doc).endsWith(' the end') || undefined);
    expect(textOf(onSecond.provider.doc)).toBe(textOf(onFirst.provider.doc));
  });
});
