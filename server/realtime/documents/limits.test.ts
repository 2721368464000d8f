import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { documentLimits, toWire } from '../../../shared/realtime/documents.ts';
import { encodeSyncStep1, encodeSyncUpdate } from '../../../shared/realtime/syncMessages.ts';
import { documentUpdates } from '../../db/schema.ts';
import { buildDoc, compactDocument, loadStoredDocument } from './persistence.ts';
import { buildPanel, connectSocket, emitAck, joinedSocket, openProvider, textEdit, UNAPPLIABLE_UPDATE } from '../../../test/support/documents.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { eventually } from '../../../test/support/wait.ts';

let stack: TestStack;
const sockets: { disconnect: () => unknown }[] = [];

beforeAll(async () => {
  stack = await startTestStack({ env: { DOC_MAX_BYTES: '40000', DOC_MAX_CONNECTIONS_PER_USER: '3' } });
});
afterAll(async () => {
  sockets.forEach((socket) => socket.disconnect());
  await stack.close();
});

async function joined(cookie: string, documentId: string) {
  const socket = await joinedSocket(stack.url, cookie, documentId);
  sockets.push(socket);
  return socket;
}

const storedRows = (documentId: string) => stack.database.db.select().from(documentUpdates).where(eq(documentUpdates.documentId, documentId));

describe('document limits', () => {
  it('refuses an oversize update with payload_too_large and stores nothing', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const socket = await joined(panel.reviewers[0]!.cookie, panel.documentId);
    const { sync } = textEdit('x'.repeat(documentLimits.maxUpdateBytes + 10));
    const refused = await emitAck(socket, 'doc.update', { documentId: panel.documentId, sync, clientUpdateId: 'big' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'payload_too_large' } });
    expect(await storedRows(panel.documentId)).toHaveLength(0);
    expect(socket.connected).toBe(true);
  });

  it('shows a writer whose paste was too large that it is not saved, keeps what came before, and takes nothing after it', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const writer = await openProvider(stack.url, panel.reviewers[0]!.cookie, panel.documentId);
    sockets.push({ disconnect: writer.close });
    writer.provider.doc.getMap('draft').set('subject', 'Statistics');
    await eventually(() => writer.provider.status === 'saved' || undefined);

    writer.provider.doc.getText('pasted').insert(0, 'p'.repeat(documentLimits.maxUpdateBytes + 10));
    // Typed before the refusal comes back: sent, and refused in turn (it builds on the paste).
    writer.provider.doc.getText('pasted').insert(0, 'typed right after ');
    await eventually(() => (writer.provider.status === 'refused' && writer.provider.unsavedCount === 0) || undefined);
    expect(writer.provider.diverged).toBe(true);
    // The page names the paste's refusal, not that of what followed it.
    expect(writer.provider.divergedBy).toMatchObject({ code: 'payload_too_large' });
    // The refused paste left a gap in this client's Yjs clocks: an edit after it would wait for the
    // paste forever, stored and acked but never part of anyone's document. It is not sent at all;
    // the page stops editing and offers the saved worksheet instead.
    writer.provider.doc.getMap('draft').set('level', 'upper_division');
    expect(writer.provider.unsavedCount).toBe(0);
    const reader = await openProvider(stack.url, panel.coordinator.cookie, panel.documentId);
    sockets.push({ disconnect: reader.close });
    expect(reader.provider.doc.getMap('draft').toJSON()).toEqual({ subject: 'Statistics' });
    expect(await storedRows(panel.documentId)).toHaveLength(1);
    expect(writer.provider.unsavedCount).toBe(0);
    expect(writer.provider.status).toBe('refused');
    // A fresh copy from storage edits again (what the page's "Reload the saved worksheet" does).
    writer.close();
    const again = await openProvider(stack.url, panel.reviewers[0]!.cookie, panel.documentId);
    sockets.push({ disconnect: again.close });
    again.provider.doc.getMap('draft').set('level', 'upper_division');
    await eventually(() => again.provider.status === 'saved' || undefined);
    await eventually(() => reader.provider.doc.getMap('draft').get('level') === 'upper_division' || undefined);
    const stored = buildDoc((await loadStoredDocument(stack.database.db, panel.documentId)).updates);
    expect(stored.getMap('draft').toJSON()).toEqual({ subject: 'Statistics', level: 'upper_division' });
    expect(stored.getText('pasted').length).toBe(0);
  });

  it('sends nothing more from a copy whose edit did not fit the document, not even with a reconnect', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const writer = await openProvider(stack.url, panel.reviewers[0]!.cookie, panel.documentId);
    const reader = await openProvider(stack.url, panel.coordinator.cookie, panel.documentId);
    sockets.push({ disconnect: writer.close }, { disconnect: reader.close });
    const text = writer.provider.doc.getText('long');
    text.insert(0, 'a'.repeat(30_000));
    await eventually(() => writer.provider.status === 'saved' || undefined);
    text.insert(text.length, 'b'.repeat(15_000));
    await eventually(() => writer.provider.status === 'refused' || undefined);
    expect(writer.provider.lastError).toMatchObject({ code: 'payload_too_large' });

    // Its connection drops and comes back. The join's resync would send the refused edit again (it
    // fits one update; the document might have room by then, after a compaction, say, while the
    // page still says it was refused); a diverged copy sends nothing, as the page says.
    const writerId = writer.provider.awareness.clientID;
    await eventually(() => reader.provider.awareness.getStates().has(writerId) || undefined);
    // The reader sees the writer's presence go and come back with its join (after the resync).
    const back = new Promise<void>((resolve) => {
      let left = false;
      const watch = ({ added, removed }: { added: number[]; removed: number[] }) => {
        if (removed.includes(writerId)) left = true;
        else if (left && added.includes(writerId)) {
          reader.provider.awareness.off('change', watch);
          resolve();
        }
      };
      reader.provider.awareness.on('change', watch);
    });
    // What the writer's new connection sends, as written to the wire.
    const sent: string[] = [];
    writer.socket.io.once('open', () => writer.socket.io.engine.on('packetCreate', (packet: { data?: unknown }) => sent.push(String(packet.data ?? ''))));
    writer.socket.io.engine.close();
    await back;
    expect(sent.some((data) => data.includes('"doc.join"'))).toBe(true);
    expect(sent.filter((data) => data.includes('"doc.update"'))).toEqual([]);
    expect(writer.provider.status).toBe('refused');
  });

  it('refuses updates that would take the document past its size limit', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const socket = await joined(panel.reviewers[0]!.cookie, panel.documentId);
    const first = textEdit('a'.repeat(30_000));
    expect(await emitAck(socket, 'doc.update', { documentId: panel.documentId, sync: first.sync, clientUpdateId: 'a' })).toMatchObject({ ok: true });
    const second = textEdit('b'.repeat(15_000), first.doc);
    const refused = await emitAck(socket, 'doc.update', { documentId: panel.documentId, sync: second.sync, clientUpdateId: 'b' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'payload_too_large' } });
    expect(await storedRows(panel.documentId)).toHaveLength(1);
  });

  it('refuses, without storing or broadcasting it, an edit sent right after a refused one of the same copy: it builds on what was refused', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 2 });
    const socket = await joined(panel.reviewers[0]!.cookie, panel.documentId);
    const colleague = await joined(panel.reviewers[1]!.cookie, panel.documentId);
    const heard: unknown[] = [];
    colleague.on('doc.update', (event) => heard.push(event));
    const first = textEdit('a'.repeat(30_000));
    expect(await emitAck(socket, 'doc.update', { documentId: panel.documentId, sync: first.sync, clientUpdateId: 'a' })).toMatchObject({ ok: true });
    await eventually(() => heard.length === 1 || undefined);
    // Typed before the refusal of the paste came back: both are on the wire at once.
    const paste = textEdit('b'.repeat(15_000), first.doc);
    const typedAfter = textEdit('c', first.doc);
    const [pasteAck, typedAck] = await Promise.all([
      emitAck(socket, 'doc.update', { documentId: panel.documentId, sync: paste.sync, clientUpdateId: 'b' }),
      emitAck(socket, 'doc.update', { documentId: panel.documentId, sync: typedAfter.sync, clientUpdateId: 'c' }),
    ]);
    expect(pasteAck).toMatchObject({ ok: false, error: { code: 'payload_too_large' } });
    // Stored and acked, it would never show anywhere: it waits for the paste. Refused as a gap, which
    // a copy still in step takes as "join again and resend" (this one has diverged and stops).
    expect(typedAck).toMatchObject({ ok: false, error: { code: 'unavailable', details: { reason: 'gap' } } });
    expect(await storedRows(panel.documentId)).toHaveLength(1);
    // An edit of another copy still goes in and reaches the room, and nothing else did.
    const other = textEdit('d');
    expect(await emitAck(colleague, 'doc.update', { documentId: panel.documentId, sync: other.sync, clientUpdateId: 'd' })).toMatchObject({ ok: true });
    expect(heard).toHaveLength(1);
    expect(await storedRows(panel.documentId)).toHaveLength(2);
  });

  it('measures the stored document again at the limit: once compaction has shrunk it, edits go in', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const socket = await joined(panel.reviewers[0]!.cookie, panel.documentId);
    const first = textEdit('a'.repeat(30_000));
    expect(await emitAck(socket, 'doc.update', { documentId: panel.documentId, sync: first.sync, clientUpdateId: 'a' })).toMatchObject({ ok: true });
    let deletion: Uint8Array = new Uint8Array();
    first.doc.once('update', (update: Uint8Array) => (deletion = update));
    first.doc.getText('probe').delete(0, 30_000);
    expect(await emitAck(socket, 'doc.update', { documentId: panel.documentId, sync: encodeSyncUpdate(deletion), clientUpdateId: 'd' })).toMatchObject({ ok: true });
    // What the compaction job does: the deleted text is garbage-collected from the snapshot.
    expect((await compactDocument(stack.database.db, panel.documentId)).snapshotBytes).toBeLessThan(1_000);

    const second = textEdit('b'.repeat(15_000), first.doc);
    expect(await emitAck(socket, 'doc.update', { documentId: panel.documentId, sync: second.sync, clientUpdateId: 'b' })).toMatchObject({ ok: true });
  });

  it('refuses malformed updates and presence, and goes on serving everyone', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 2 });
    const attacker = await joined(panel.reviewers[0]!.cookie, panel.documentId);
    const [peer] = [await openProvider(stack.url, panel.reviewers[1]!.cookie, panel.documentId)];
    sockets.push(peer!.socket);

    const garbage = [new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), new Uint8Array(100).fill(255), new Uint8Array(0)];
    // Garbage as the message itself (not y-protocols framing), and garbage inside a well-framed update message.
    // …and an update that decodes but cannot be applied (it would fail on every load if stored).
    const unappliable = encodeSyncUpdate(new Uint8Array(Buffer.from(UNAPPLIABLE_UPDATE, 'base64')));
    for (const sync of [...garbage, ...garbage.map(encodeSyncUpdate), encodeSyncStep1(new Uint8Array([0])), unappliable]) {
      const refused = await emitAck(attacker, 'doc.update', { documentId: panel.documentId, sync, clientUpdateId: 'g' });
      expect(refused).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    }
    const wrongShape = await emitAck(attacker, 'doc.update', { documentId: panel.documentId, sync: 'not base64 !!', clientUpdateId: 'g' } as never);
    expect(wrongShape).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    const badPresence = await emitAck(attacker, 'doc.awareness', { documentId: panel.documentId, update: new Uint8Array([1, 5, 1, 3, 123, 123, 123]) });
    expect(badPresence).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await storedRows(panel.documentId)).toHaveLength(0);

    // The server, the attacker's own connection and the other panelist all carry on.
    peer!.provider.doc.getText('notes-probe').insert(0, 'still here');
    await eventually(() => peer!.provider.status === 'saved' || undefined);
    const good = textEdit('valid after garbage');
    expect(await emitAck(attacker, 'doc.update', { documentId: panel.documentId, sync: good.sync, clientUpdateId: 'ok' })).toEqual({ ok: true, data: { clientUpdateId: 'ok' } });
    await eventually(() => peer!.provider.doc.getText('probe').toString() === 'valid after garbage' || undefined);
    expect(await storedRows(panel.documentId)).toHaveLength(2);
  });

  it('refuses an update that applies to an empty document but would throw on this one', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 2 });
    const writer = await joined(panel.reviewers[0]!.cookie, panel.documentId);
    const peer = await openProvider(stack.url, panel.reviewers[1]!.cookie, panel.documentId);
    sockets.push(peer.socket);
    // Client 1 writes "hello world"; the second update (client 12) sits after "hello" with a right
    // origin ahead of itself in its own clock. Alone it only waits for client 1; after it, it throws.
    const hello = new Uint8Array(Buffer.from('AQEBAAQBBXByb2JlC2hlbGxvIHdvcmxkAA==', 'base64'));
    const forward = new Uint8Array(Buffer.from('AQEMAMQBBAwFAmFiAA==', 'base64'));
    expect(() => Y.applyUpdate(new Y.Doc(), forward)).not.toThrow();
    const withHello = new Y.Doc();
    Y.applyUpdate(withHello, hello);
    expect(() => Y.applyUpdate(withHello, forward)).toThrow();

    expect(await emitAck(writer, 'doc.update', { documentId: panel.documentId, sync: encodeSyncUpdate(hello), clientUpdateId: 'h' })).toMatchObject({ ok: true });
    const refused = await emitAck(writer, 'doc.update', { documentId: panel.documentId, sync: encodeSyncUpdate(forward), clientUpdateId: 'f' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await storedRows(panel.documentId)).toHaveLength(1);
    peer.provider.doc.getText('probe').insert(11, '!');
    await eventually(() => peer.provider.status === 'saved' || undefined);
    expect(peer.provider.doc.getText('probe').toString()).toBe('hello world!');
  });

  it('limits the connections one user may hold', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const cookie = panel.reviewers[0]!.cookie;
    const open = [await connectSocket(stack.url, cookie), await connectSocket(stack.url, cookie), await connectSocket(stack.url, cookie)];
    sockets.push(...open);
    const refusal = await connectSocket(stack.url, cookie).then(
      () => null,
      (error: Error & { data?: unknown }) => error.data,
    );
    expect(refusal).toMatchObject({ code: 'rate_limited' });
    open[0]!.disconnect();
    await eventually(async () => {
      const socket = await connectSocket(stack.url, cookie).catch(() => undefined);
      if (socket) sockets.push(socket);
      return socket;
    });
  });
});

describe('document limits at the largest update size allowed', () => {
  let large: TestStack;
  beforeAll(async () => {
    large = await startTestStack({ env: { DOC_MAX_UPDATE_BYTES: '900000' } });
  });
  afterAll(async () => {
    await large.close();
  });

  it('answers updates near and over DOC_MAX_UPDATE_BYTES, sent as base64 text, with an ack rather than a dropped connection', async () => {
    const panel = await buildPanel(large.database.db, large.url, { reviewers: 1 });
    const socket = await joinedSocket(large.url, panel.reviewers[0]!.cookie, panel.documentId);
    sockets.push(socket);
    const near = textEdit('n'.repeat(890_000));
    expect(await emitAck(socket, 'doc.update', { documentId: panel.documentId, sync: toWire(near.sync), clientUpdateId: 'near' })).toMatchObject({ ok: true });
    const over = textEdit('o'.repeat(900_001));
    expect(await emitAck(socket, 'doc.update', { documentId: panel.documentId, sync: toWire(over.sync), clientUpdateId: 'over' })).toMatchObject({ ok: false, error: { code: 'payload_too_large' } });
    expect(socket.connected).toBe(true);
    expect(await large.database.db.select().from(documentUpdates).where(eq(documentUpdates.documentId, panel.documentId))).toHaveLength(1);
  });
});
