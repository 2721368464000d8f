import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { documentUpdates } from '../../db/schema.ts';
import { documentLimits } from '../../../shared/realtime/documents.ts';
import { encodeSyncStep1, encodeSyncStep2 } from '../../../shared/realtime/syncMessages.ts';
import { buildPanel, connectSocket, emitAck, openProvider, syncPayload, syncStateVector, textEdit, withStorageRefused as refusingStorage } from '../../../test/support/documents.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { eventually } from '../../../test/support/wait.ts';
import { buildDoc, loadStoredDocument } from './persistence.ts';

let stack: TestStack;
const closers: (() => void)[] = [];

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  closers.forEach((close) => close());
  await stack.close();
});

const text = (doc: Y.Doc) => doc.getText('notes-probe').toString();

const withStorageRefused = (during: () => Promise<void>) => refusingStorage(stack.database.db, during);

describe('document sync (state vector → missing update, both ways)', () => {
  it('converges two panelists editing at once, and acks each edit only once it is stored', async () => {
    const panel = await buildPanel(stack.database.db, stack.url);
    const [first, second] = await Promise.all(panel.reviewers.map((reviewer) => openProvider(stack.url, reviewer.cookie, panel.documentId)));
    closers.push(first!.close, second!.close);
    expect(first!.provider.canWrite).toBe(true);

    for (let index = 0; index < 5; index++) {
      first!.provider.doc.getText('notes-probe').insert(0, `a${index} `);
      second!.provider.doc.getText('notes-probe').insert(0, `b${index} `);
    }
    await eventually(() => first!.provider.status === 'saved' && second!.provider.status === 'saved' && text(first!.provider.doc) === text(second!.provider.doc));
    expect(text(first!.provider.doc)).toHaveLength(30);

    // Whatever was acked is in storage: a fresh client that loads only from the server sees it all.
    const rows = await stack.database.db.select().from(documentUpdates).where(eq(documentUpdates.documentId, panel.documentId));
    const stored = new Y.Doc();
    rows.forEach((row) => Y.applyUpdate(stored, row.update));
    expect(text(stored)).toBe(text(first!.provider.doc));
    // Edits that arrived in the same turn were merged into fewer rows than edits.
    expect(rows.length).toBeLessThanOrEqual(10);
  });

  it('merges updates that arrive in the same event-loop turn into one stored row and one broadcast', async () => {
    const panel = await buildPanel(stack.database.db, stack.url);
    const [writer, watcher] = await Promise.all(panel.reviewers.map((reviewer) => connectSocket(stack.url, reviewer.cookie)));
    closers.push(() => writer!.disconnect(), () => watcher!.disconnect());
    const badVector = await emitAck(writer!, 'doc.join', { documentId: panel.documentId, sync: encodeSyncStep1(new Uint8Array([255, 255, 255])) });
    expect(badVector).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    // A step 2 where step 1 belongs is refused by the schema.
    const wrongStep = await emitAck(writer!, 'doc.join', { documentId: panel.documentId, sync: encodeSyncStep2(new Uint8Array([0, 0])) });
    expect(wrongStep).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    for (const socket of [writer!, watcher!]) expect((await emitAck(socket, 'doc.join', { documentId: panel.documentId })).ok).toBe(true);
    const received: Uint8Array[] = [];
    watcher!.on('doc.update', (event) => received.push(syncPayload(event.sync)));

    const doc = new Y.Doc();
    const edits = Array.from({ length: 8 }, (_, index) => textEdit(`w${index}`, doc).sync);
    const acks = await Promise.all(edits.map((sync, index) => emitAck(writer!, 'doc.update', { documentId: panel.documentId, sync, clientUpdateId: `c${index}` })));
    expect(acks.map((ack) => ack.ok && ack.data.clientUpdateId)).toEqual(edits.map((_, index) => `c${index}`));

    const rows = await stack.database.db.select().from(documentUpdates).where(eq(documentUpdates.documentId, panel.documentId));
    expect(rows.length).toBeLessThan(edits.length);
    await eventually(() => received.length === rows.length || undefined);
    const mirror = new Y.Doc();
    received.forEach((update) => Y.applyUpdate(mirror, update));
    expect(mirror.getText('probe').toString()).toBe(doc.getText('probe').toString());
  });

  it('takes one socket\'s updates in the order sent, even when the checks of an earlier one take longer', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const writer = await connectSocket(stack.url, panel.reviewers[0]!.cookie);
    closers.push(() => writer.disconnect());
    expect((await emitAck(writer, 'doc.join', { documentId: panel.documentId })).ok).toBe(true);
    const doc = new Y.Doc();
    expect(await emitAck(writer, 'doc.update', { documentId: panel.documentId, sync: textEdit('first ', doc).sync, clientUpdateId: 'first' })).toMatchObject({ ok: true });
    // A step 2 (after a reconnect, say) with an edit of a client id the server has never seen: its
    // owner is looked up in the database. The edit typed next needs no lookup, and continues the step 2.
    const stranger = textEdit('from a copy the server never saw ');
    const own = textEdit('resent ', doc);
    const step2 = encodeSyncStep2(Y.mergeUpdates([stranger.update, own.update]));
    const next = textEdit('typed next', doc);
    const [resent, typed] = await Promise.all([
      emitAck(writer, 'doc.update', { documentId: panel.documentId, sync: step2, clientUpdateId: 'resent' }),
      emitAck(writer, 'doc.update', { documentId: panel.documentId, sync: next.sync, clientUpdateId: 'typed' }),
    ]);
    expect([resent.ok, typed.ok]).toEqual([true, true]);
    const stored = buildDoc((await loadStoredDocument(stack.database.db, panel.documentId)).updates);
    expect(stored.getText('probe').toString()).toContain('first resent typed next');
  });

  it('broadcasts an edit before it is stored, never acks it unstored, and stores it when the writer sends it again', async () => {
    const panel = await buildPanel(stack.database.db, stack.url);
    const [writer, watcher] = await Promise.all(panel.reviewers.map((reviewer) => openProvider(stack.url, reviewer.cookie, panel.documentId)));
    closers.push(writer!.close, watcher!.close);
    const { db } = stack.database;
    await withStorageRefused(async () => {
      writer!.provider.doc.getText('notes-probe').insert(0, 'deliberation point');
      // The room sees the edit without waiting for storage…
      await eventually(() => text(watcher!.provider.doc) === 'deliberation point' || undefined);
      // …but its writer is told it could not be saved, and it stays unsaved.
      await eventually(() => writer!.provider.lastError?.code === 'unavailable' || undefined);
      expect(writer!.provider.status).toBe('saving');
      // The server reports a state vector without it, so a (re)joining writer sends it again.
      const probe = await connectSocket(stack.url, panel.reviewers[0]!.cookie);
      closers.push(() => probe.disconnect());
      const joined = await emitAck(probe, 'doc.join', { documentId: panel.documentId });
      expect(joined.ok).toBe(true);
      if (joined.ok) expect(Y.decodeStateVector(syncStateVector(joined.data.serverSync)).has(writer!.provider.doc.clientID)).toBe(false);
    });
    await eventually(() => writer!.provider.status === 'saved' || undefined);
    const rows = await db.select().from(documentUpdates).where(eq(documentUpdates.documentId, panel.documentId));
    const stored = new Y.Doc();
    rows.forEach((row) => Y.applyUpdate(stored, row.update));
    expect(text(stored)).toBe('deliberation point');
  });

  it('does not tell an observer who joins while an edit waits for storage that anything of theirs was refused', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const writer = await openProvider(stack.url, panel.reviewers[0]!.cookie, panel.documentId);
    closers.push(writer.close);
    await withStorageRefused(async () => {
      writer.provider.doc.getText('notes-probe').insert(0, 'not stored yet');
      await eventually(() => writer.provider.lastError?.code === 'unavailable' || undefined);
      const observer = await openProvider(stack.url, panel.coordinator.cookie, panel.documentId);
      closers.push(observer.close);
      expect(observer.provider.canWrite).toBe(false);
      // It has the room's edit (from the join answer), which the server's stored state lacks: that is
      // the writer's to save, not a sign that this read-only copy diverged.
      expect(text(observer.provider.doc)).toBe('not stored yet');
      expect(observer.provider.diverged).toBe(false);
      expect(observer.provider.status).toBe('saved');
    });
  });

  it('stores an edit the room has seen even when its writer left before storage came back', async () => {
    const panel = await buildPanel(stack.database.db, stack.url);
    const [writer, watcher] = await Promise.all(panel.reviewers.map((reviewer) => openProvider(stack.url, reviewer.cookie, panel.documentId)));
    closers.push(watcher!.close);
    const { db } = stack.database;
    await withStorageRefused(async () => {
      writer!.provider.doc.getText('notes-probe').insert(0, 'a point the writer never resends');
      await eventually(() => text(watcher!.provider.doc) === 'a point the writer never resends' || undefined);
      await eventually(() => writer!.provider.lastError?.code === 'unavailable' || undefined);
      writer!.close(); // the tab is closed: its unsaved edit goes with it
    });
    // The watcher builds on it; the server stored the point itself, so the edit does not wait on a missing one.
    const notes = watcher!.provider.doc.getText('notes-probe');
    notes.insert(notes.length, ', seconded');
    await eventually(() => watcher!.provider.status === 'saved' || undefined);
    await eventually(async () => {
      const stored = await loadStoredDocument(db, panel.documentId);
      return buildDoc(stored.updates).getText('notes-probe').toString() === 'a point the writer never resends, seconded' || undefined;
    });
    const late = await openProvider(stack.url, panel.reviewers[1]!.cookie, panel.documentId);
    closers.push(late.close);
    expect(text(late.provider.doc)).toBe('a point the writer never resends, seconded');
  });

  it('stores an edit sent just before its page left the document or its tab closed', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const cookie = panel.reviewers[0]!.cookie;
    const hub = stack.server.app.documents!;
    const stored = async () => buildDoc((await loadStoredDocument(stack.database.db, panel.documentId)).updates).getText('notes-probe').toString();

    // The page navigates away (the provider leaves the document) right after the last keystroke,
    // while the server is still re-reading the policy facts to check that edit.
    const leaving = await openProvider(stack.url, cookie, panel.documentId);
    closers.push(() => leaving.socket.disconnect());
    hub.subjects.invalidate(panel.evaluation.id);
    leaving.provider.doc.getText('notes-probe').insert(0, 'Last words.');
    leaving.provider.destroy();
    await eventually(async () => (await stored()) === 'Last words.' || undefined);

    // The tab closes right after the keystroke.
    const dropping = await openProvider(stack.url, cookie, panel.documentId);
    closers.push(dropping.close);
    const notes = dropping.provider.doc.getText('notes-probe');
    hub.subjects.invalidate(panel.evaluation.id);
    // Two keystrokes: the second waits behind the first, whose check waits for the database.
    notes.insert(notes.length, ' Then the train');
    notes.insert(notes.length, ' went into a tunnel.');
    // As a closed tab's: the WebSocket closes (no Socket.IO goodbye, which makes Socket.IO itself drop
    // the events of that same read), and nothing reconnects.
    dropping.socket.io.reconnection(false);
    dropping.socket.io.engine.close();
    await eventually(async () => (await stored()) === 'Last words. Then the train went into a tunnel.' || undefined);
  });

  it('stores a keystroke that went ahead of one whose checks hung, once that one is in, though the tab closed', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const hub = stack.server.app.documents!;
    const dropping = await openProvider(stack.url, panel.reviewers[0]!.cookie, panel.documentId);
    closers.push(dropping.close);
    const notes = dropping.provider.doc.getText('notes-probe');
    notes.insert(0, 'Start.');
    await eventually(() => dropping.provider.status === 'saved' || undefined);
    // The next keystroke's access facts take longer than the 5 s its successor waits for it: a
    // database slow to answer, played by holding this one lookup.
    const loadForUpdate = hub.subjects.loadForUpdate;
    let held = false;
    hub.subjects.loadForUpdate = async (evaluationId) => {
      if (!held) {
        held = true;
        await new Promise((resolve) => setTimeout(resolve, 5_500));
      }
      return loadForUpdate(evaluationId);
    };
    try {
      notes.insert(notes.length, ' Slow');
      notes.insert(notes.length, ' and quick.');
      dropping.socket.io.reconnection(false);
      dropping.socket.io.engine.close();
      const stored = async () => buildDoc((await loadStoredDocument(stack.database.db, panel.documentId)).updates).getText('notes-probe').toString();
      await eventually(async () => (await stored()) === 'Start. Slow and quick.' || undefined);
    } finally {
      hub.subjects.loadForUpdate = loadForUpdate;
    }
  });

  it('after a reconnect each side sends only what the other lacks', async () => {
    const panel = await buildPanel(stack.database.db, stack.url);
    const [stayer, leaver] = await Promise.all(panel.reviewers.map((reviewer) => openProvider(stack.url, reviewer.cookie, panel.documentId)));
    closers.push(stayer!.close, leaver!.close);
    stayer!.provider.doc.getText('notes-probe').insert(0, 'x'.repeat(5_000));
    await eventually(() => text(leaver!.provider.doc).length === 5_000 && stayer!.provider.status === 'saved');

    const sent: { event: string; bytes: number }[] = [];
    leaver!.socket.onAnyOutgoing((event: string, payload: { sync?: Uint8Array }) => sent.push({ event, bytes: payload?.sync?.byteLength ?? 0 }));
    leaver!.socket.disconnect();
    expect(leaver!.provider.status).toBe('offline');

    leaver!.provider.doc.getText('notes-probe').insert(0, 'offline edit ');
    stayer!.provider.doc.getText('notes-probe').insert(5_013 - 13, ' while away');
    await eventually(() => stayer!.provider.status === 'saved');
    expect(leaver!.provider.status).toBe('offline');

    // Sync step 1 with the offline client's state vector: the answer is the missed edit, not the 5 000-character document.
    const probe = await connectSocket(stack.url, panel.reviewers[1]!.cookie);
    closers.push(() => probe.disconnect());
    const answer = await emitAck(probe, 'doc.join', { documentId: panel.documentId, sync: encodeSyncStep1(Y.encodeStateVector(leaver!.provider.doc)) });
    if (!answer.ok) throw new Error(answer.error.message);
    const missed = syncPayload(answer.data.sync);
    expect(missed.byteLength).toBeLessThan(200);
    const replay = new Y.Doc();
    Y.applyUpdate(replay, Y.encodeStateAsUpdate(leaver!.provider.doc));
    Y.applyUpdate(replay, missed);
    expect(text(replay)).toContain(' while away');

    leaver!.socket.connect();
    await eventually(() => text(leaver!.provider.doc) === text(stayer!.provider.doc) && leaver!.provider.status === 'saved' && stayer!.provider.status === 'saved');

    expect(text(stayer!.provider.doc)).toContain('offline edit ');
    expect(text(stayer!.provider.doc)).toContain(' while away');
    // The client sent back only its offline edit.
    const updates = sent.filter((entry) => entry.event === 'doc.update');
    expect(updates).toHaveLength(1);
    expect(updates[0]!.bytes).toBeLessThan(200);
  });

  it('saves a long offline session that no longer fits in one update, sent back in pieces that do', async () => {
    const panel = await buildPanel(stack.database.db, stack.url);
    const [stayer, leaver] = await Promise.all(panel.reviewers.map((reviewer) => openProvider(stack.url, reviewer.cookie, panel.documentId)));
    closers.push(stayer!.close, leaver!.close);
    const sent: number[] = [];
    leaver!.socket.onAnyOutgoing((event: string, payload: { sync?: string }) => {
      if (event === 'doc.update') sent.push(syncPayload(payload.sync).byteLength);
    });
    leaver!.socket.disconnect();

    // Over the update size limit (256 KiB), paragraph by paragraph; meanwhile the stayer edits too.
    const notes = leaver!.provider.doc.getText('notes-probe');
    for (let paragraph = 0; paragraph < 300; paragraph++) notes.insert(notes.length, `${paragraph}: ${'offline evidence '.repeat(60)}\n`);
    expect(Y.encodeStateAsUpdate(leaver!.provider.doc).byteLength).toBeGreaterThan(documentLimits.maxUpdateBytes);
    stayer!.provider.doc.getText('notes-probe').insert(0, 'Meanwhile: ');
    await eventually(() => stayer!.provider.status === 'saved');

    leaver!.socket.connect();
    await eventually(() => leaver!.provider.status === 'saved' && text(stayer!.provider.doc) === text(leaver!.provider.doc) || undefined);
    expect(leaver!.provider.diverged).toBe(false);
    expect(leaver!.provider.lastError).toBeNull();
    expect(sent.length).toBeGreaterThan(1);
    for (const bytes of sent) expect(bytes).toBeLessThanOrEqual(documentLimits.maxUpdateBytes);
    const stored = await loadStoredDocument(stack.database.db, panel.documentId);
    const saved = buildDoc(stored.updates).getText('notes-probe').toString();
    expect(saved).toBe(text(leaver!.provider.doc));
    for (const part of ['Meanwhile: ', '0: offline evidence', '299: offline evidence']) expect(saved).toContain(part);
  });
});
