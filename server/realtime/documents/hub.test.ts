import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { documentSnapshots, documentUpdates } from '../../db/schema.ts';
import { encodeSyncStep1 } from '../../../shared/realtime/syncMessages.ts';
import { buildPanel, connectSocket, emitAck, openProvider, storeLongLog } from '../../../test/support/documents.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { eventually } from '../../../test/support/wait.ts';
import { appendUpdate } from './persistence.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ workers: true, env: { DOC_IDLE_UNLOAD_MS: '200', DOC_COMPACT_EVERY: '5' } });
});
afterAll(async () => {
  await stack.close();
});

const hub = () => stack.server.app.documents!;
const logRows = (documentId: string) => stack.database.db.select().from(documentUpdates).where(eq(documentUpdates.documentId, documentId));
const snapshotOf = async (documentId: string) =>
  (await stack.database.db.select().from(documentSnapshots).where(eq(documentSnapshots.documentId, documentId)))[0];

describe('document hub: loading, compaction and idle unload', () => {
  it('compacts after every DOC_COMPACT_EVERY stored updates while the document stays open', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const editor = await openProvider(stack.url, panel.reviewers[0]!.cookie, panel.documentId);
    for (let index = 0; index < 6; index++) {
      editor.provider.doc.getText('notes-probe').insert(0, `${index}`);
      await eventually(() => editor.provider.status === 'saved' || undefined);
    }
    const snapshot = await eventually(() => snapshotOf(panel.documentId));
    expect(snapshot.throughUpdateId).toBeGreaterThan(0);
    expect(hub().loadedIds).toContain(panel.documentId);
    editor.close();
  });

  it('unloads a document nobody has open, compacts it, and reloads it from storage on the next join', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 2 });
    const editor = await openProvider(stack.url, panel.reviewers[0]!.cookie, panel.documentId);
    editor.provider.doc.getText('notes-probe').insert(0, 'kept across unload');
    await eventually(() => editor.provider.status === 'saved' || undefined);
    editor.close();

    await eventually(() => !hub().loadedIds.includes(panel.documentId) || undefined);
    await eventually(async () => (await logRows(panel.documentId)).length === 0 && (await snapshotOf(panel.documentId)));

    const reader = await openProvider(stack.url, panel.reviewers[1]!.cookie, panel.documentId);
    expect(reader.provider.doc.getText('notes-probe').toString()).toBe('kept across unload');
    expect(hub().loadedIds).toContain(panel.documentId);
    reader.close();
  });

  it('leaves nothing loaded when a join fails: a bad state vector, or a connection that closes while the document loads', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const socket = await connectSocket(stack.url, panel.reviewers[0]!.cookie);
    const badVector = await emitAck(socket, 'doc.join', { documentId: panel.documentId, sync: encodeSyncStep1(new Uint8Array([5, 200])) });
    expect(badVector).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect([...hub().loadedIds, ...hub().loadingIds]).not.toContain(panel.documentId);

    // A long log, so the document is still loading when the connection closes.
    await storeLongLog(stack.database.db, panel.documentId);
    void emitAck(socket, 'doc.join', { documentId: panel.documentId });
    await eventually(() => hub().loadingIds.includes(panel.documentId) || undefined, 2000, 1);
    socket.disconnect();
    await eventually(() => !hub().loadedIds.includes(panel.documentId) || undefined);
    // Unloaded through the idle path, so compacted as well.
    await eventually(async () => (await logRows(panel.documentId)).length === 0 && (await snapshotOf(panel.documentId)));
  });

  it('applies an update stored by another process and broadcasts it to local sockets', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const reader = await openProvider(stack.url, panel.reviewers[0]!.cookie, panel.documentId);
    const elsewhere = new Y.Doc();
    elsewhere.getText('notes-probe').insert(0, 'from another process');
    const update = Y.encodeStateAsUpdate(elsewhere);
    await appendUpdate(stack.database.db, panel.documentId, update, null);
    hub().applyStoredUpdate(panel.documentId, update);
    await eventually(() => reader.provider.doc.getText('notes-probe').toString() === 'from another process' || undefined);
    reader.close();
  });
});
