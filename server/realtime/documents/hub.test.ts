import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { documentSnapshots, documentUpdates } from '../../db/schema.ts';
import { encodeSyncStep1 } from '../../../shared/realtime/syncMessages.ts';
import { buildPanel, connectSocket, emitAck, joinedSocket, openProvider, storeLongLog, textEdit, withStorageRefused } from '../../../test/support/documents.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { eventually } from '../../../test/support/wait.ts';
import { appendUpdate, buildDoc, loadStoredDocument } from './persistence.ts';

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

  it('stays loaded, past the idle wait, while an edit whose insert failed waits to be stored again, then stores it and unloads', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const writer = await openProvider(stack.url, panel.reviewers[0]!.cookie, panel.documentId);
    const stored = async () => buildDoc((await loadStoredDocument(stack.database.db, panel.documentId)).updates).getText('notes-probe').toString();
    await withStorageRefused(stack.database.db, async () => {
      writer.provider.doc.getText('notes-probe').insert(0, 'seen by the room, never resent');
      await eventually(() => writer.provider.lastError?.code === 'unavailable' || undefined);
      writer.close(); // the tab is closed: the room saw the edit, its writer will never send it again
      // Several idle waits (200 ms here) pass with nobody in the document and its first retry failing.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(hub().loadedIds).toContain(panel.documentId);
    });
    await eventually(async () => (await stored()) === 'seen by the room, never resent' || undefined);
    await eventually(() => !hub().loadedIds.includes(panel.documentId) || undefined);
  });

  it('stores a refused edit the room saw with the next edit stored: a colleague acked for an edit built on it has both in storage', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 2 });
    const writer = await openProvider(stack.url, panel.reviewers[0]!.cookie, panel.documentId);
    const colleague = await openProvider(stack.url, panel.reviewers[1]!.cookie, panel.documentId);
    const text = colleague.provider.doc.getText('notes-probe');
    await withStorageRefused(stack.database.db, async () => {
      writer.provider.doc.getText('notes-probe').insert(0, 'refused, then the tab closed');
      await eventually(() => writer.provider.lastError?.code === 'unavailable' || undefined);
      writer.close();
      await eventually(() => text.toString() === 'refused, then the tab closed' || undefined);
    });
    // Storage is back before the document's own retry (a second after the failure) is due.
    text.insert(text.length, '; built on');
    await eventually(() => colleague.provider.status === 'saved' || undefined);
    // Read at the ack, as a server restarted after a kill -9 right then would: nothing is missing.
    const stored = buildDoc((await loadStoredDocument(stack.database.db, panel.documentId)).updates);
    expect(stored.getText('notes-probe').toString()).toBe('refused, then the tab closed; built on');
    colleague.close();
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

  // Last: it closes the hub for the rest of the file.
  it('once closed, refuses joins (unavailable), tells edits to join again, and opens nothing', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const other = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const socket = await joinedSocket(stack.url, panel.reviewers[0]!.cookie, panel.documentId);
    const late = await connectSocket(stack.url, other.reviewers[0]!.cookie);
    await hub().close();
    // The document was stored and dropped: the edit is refused as "join again", and joining waits for another server.
    const edit = await emitAck(socket, 'doc.update', { documentId: panel.documentId, sync: textEdit('after the close').sync, clientUpdateId: 'late' });
    expect(edit).toMatchObject({ ok: false, error: { details: { reason: 'not_joined' } } });
    for (const [joiner, documentId] of [[socket, panel.documentId], [late, other.documentId]] as const) {
      expect(await emitAck(joiner, 'doc.join', { documentId })).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    }
    expect([...hub().loadedIds, ...hub().loadingIds]).toEqual([]);
    socket.disconnect();
    late.disconnect();
  });
});
