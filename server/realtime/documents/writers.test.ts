import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import * as Y from 'yjs';
import { toBytes, toWire } from '../../../shared/realtime/documents.ts';
import { applyAwarenessUpdate, Awareness } from 'y-protocols/awareness';
import { addCommentThread, readThreads, worksheetParts } from '../../../shared/worksheet.ts';
import { encodeSyncStep2, encodeSyncUpdate } from '../../../shared/realtime/syncMessages.ts';
import { buildPanel, connectSocket, emitAck, joinedSocket, openProvider, updateOf } from '../../../test/support/documents.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { eventually } from '../../../test/support/wait.ts';
import { buildDoc, loadStoredDocument } from './persistence.ts';
import { DocumentProvider } from '../../../app/lib/realtime/worksheet/provider.ts';
import { documentClients } from '../../db/schema.ts';
import { eq } from 'drizzle-orm';

let stack: TestStack;
const closers: (() => void)[] = [];

beforeAll(async () => {
  stack = await startTestStack({ env: { DOC_IDLE_UNLOAD_MS: '200' } });
});
afterAll(async () => {
  closers.forEach((close) => close());
  await stack.close();
});

const notesOf = (doc: Y.Doc) => doc.getText('notes').toString();
const storedNotes = async (documentId: string) => notesOf(buildDoc((await loadStoredDocument(stack.database.db, documentId)).updates));

/** An edit appended to the notes under `clientId`, continuing from what `from` holds: what a crafted client would send. */
function forgedEdit(from: Y.Doc, clientId: number, text: string): Uint8Array {
  const forger = copyOf(from);
  // Set after loading: a Y.Doc that loads content under its own client id picks a new one.
  forger.clientID = clientId;
  return appendToNotes(forger, text);
}

function copyOf(from: Y.Doc): Y.Doc {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(from));
  return copy;
}

const takenRefusal = { ok: false, error: { code: 'forbidden', details: { reason: 'client_id_taken' } } };

/** Who owns each client id in the document, as stored. */
async function owners(documentId: string): Promise<Map<number, string>> {
  const rows = await stack.database.db.select().from(documentClients).where(eq(documentClients.documentId, documentId));
  return new Map(rows.map((row) => [row.clientId, row.userId]));
}

const appendToNotes = (doc: Y.Doc, text: string) => updateOf(doc, () => doc.getText('notes').insert(doc.getText('notes').length, text));

describe('writers and their Yjs client ids', () => {
  it('never stores what one panelist writes under another\'s client id, so the owner\'s next edits are not lost', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 3 });
    const [alice, bob, mallory] = panel.reviewers;
    const writer = await openProvider(stack.url, alice!.cookie, panel.documentId);
    const reader = await openProvider(stack.url, bob!.cookie, panel.documentId);
    const crafted = await joinedSocket(stack.url, mallory!.cookie, panel.documentId);
    closers.push(writer.close, reader.close, () => crafted.disconnect());
    const seenByBob: string[] = [];
    reader.provider.doc.on('update', () => seenByBob.push(notesOf(reader.provider.doc)));

    const notes = writer.provider.doc.getText('notes');
    notes.insert(0, 'Alice: first point.');
    await eventually(() => writer.provider.status === 'saved' && notesOf(reader.provider.doc) === 'Alice: first point.' || undefined);

    // Mallory writes under Alice's client id, at the clocks Alice will use next: refused, as every live
    // edit under an id someone else owns is (a step 2 may carry others' edits; those are left out).
    const forged = forgedEdit(writer.provider.doc, writer.provider.doc.clientID, ' FORGED by Mallory.');
    expect(await emitAck(crafted, 'doc.update', { documentId: panel.documentId, sync: toWire(encodeSyncUpdate(forged)), clientUpdateId: 'm1' })).toMatchObject(takenRefusal);
    expect(await emitAck(crafted, 'doc.update', { documentId: panel.documentId, sync: toWire(encodeSyncStep2(forged)), clientUpdateId: 'm1b' })).toMatchObject({ ok: true });

    // Alice's real next edit goes in (it was to be taken for a duplicate of the forgery).
    notes.insert(notes.length, ' Second point.');
    await eventually(() => writer.provider.status === 'saved' && notesOf(reader.provider.doc) === 'Alice: first point. Second point.' || undefined);
    expect(await storedNotes(panel.documentId)).toBe('Alice: first point. Second point.');
    expect(seenByBob.some((text) => text.includes('FORGED'))).toBe(false);

    // The ownership is stored: with the worksheet unloaded and read again, a forgery still goes nowhere.
    writer.close();
    reader.close();
    crafted.disconnect();
    await eventually(() => !stack.server.app.documents!.loadedIds.includes(panel.documentId) || undefined);
    const again = await joinedSocket(stack.url, mallory!.cookie, panel.documentId);
    closers.push(() => again.disconnect());
    const stored = buildDoc((await loadStoredDocument(stack.database.db, panel.documentId)).updates);
    const aliceId = [...Y.decodeStateVector(Y.encodeStateVector(stored)).keys()][0]!;
    const later = forgedEdit(stored, aliceId, ' FORGED again.');
    expect(await emitAck(again, 'doc.update', { documentId: panel.documentId, sync: toWire(encodeSyncUpdate(later)), clientUpdateId: 'm2' })).toMatchObject(takenRefusal);
    expect(await storedNotes(panel.documentId)).toBe('Alice: first point. Second point.');

    // Mallory's own edits, under her own client id, are stored as anyone's.
    const mine = appendToNotes(copyOf(stored), ' Mallory agrees.');
    expect(await emitAck(again, 'doc.update', { documentId: panel.documentId, sync: toWire(encodeSyncUpdate(mine)), clientUpdateId: 'm3' })).toMatchObject({ ok: true });
    expect(await storedNotes(panel.documentId)).toBe('Alice: first point. Second point. Mallory agrees.');
  });

  it('refuses a comment signed in someone else\'s name, and takes one signed by its writer', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 2 });
    const [alice, mallory] = panel.reviewers;
    const crafted = await joinedSocket(stack.url, mallory!.cookie, panel.documentId);
    closers.push(() => crafted.disconnect());
    const comment = (author: { id: string; name: string }) => {
      const doc = new Y.Doc();
      const update = updateOf(doc, () => addCommentThread(doc, { kind: 'syllabus', ref: '1' }, { authorId: author.id, authorName: author.name, text: 'This week lacks a graded assessment.' }));
      return toWire(encodeSyncUpdate(update));
    };

    const impersonating = await emitAck(crafted, 'doc.update', { documentId: panel.documentId, sync: comment(alice!.user), clientUpdateId: 'c1' });
    expect(impersonating).toMatchObject({ ok: false, error: { code: 'forbidden', message: 'A comment is signed by whoever writes it.' } });
    expect((await loadStoredDocument(stack.database.db, panel.documentId)).updates).toHaveLength(0);

    expect(await emitAck(crafted, 'doc.update', { documentId: panel.documentId, sync: comment(mallory!.user), clientUpdateId: 'c2' })).toMatchObject({ ok: true });
    const threads = readThreads(buildDoc((await loadStoredDocument(stack.database.db, panel.documentId)).updates));
    expect(threads.map((thread) => thread.messages.map((message) => message.authorName))).toEqual([[mallory!.user.name]]);
  });

  it('refuses a comment smuggled in as an embed in another\'s name, and shows no message that is not one', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 2 });
    const [alice, mallory] = panel.reviewers;
    const crafted = await joinedSocket(stack.url, mallory!.cookie, panel.documentId);
    closers.push(() => crafted.disconnect());
    const doc = new Y.Doc();
    addCommentThread(doc, { kind: 'syllabus', ref: '1' }, { authorId: mallory!.user.id, authorName: mallory!.user.name, text: 'Week 1 is thin.' });
    const messages = worksheetParts(doc).comments.get(0).get('messages') as Y.Array<unknown>;
    // An item whose content is an embed: Y.Array hands it out as a plain object, like a message.
    const embedded = (value: object) =>
      updateOf(doc, () => {
        doc.transact((transaction) => {
          const item = new Y.Item(Y.createID(doc.clientID, Y.getState(doc.store, doc.clientID)), messages._start, messages._start?.lastId ?? null, null, null, messages, null, new Y.ContentEmbed(value));
          item.integrate(transaction, 0);
        });
      });
    const before = Y.encodeStateAsUpdate(doc);
    const forged = embedded({ id: 'x', authorId: alice!.user.id, authorName: alice!.user.name, text: 'I withdraw my objection.', at: new Date().toISOString() });
    const refused = await emitAck(crafted, 'doc.update', { documentId: panel.documentId, sync: toWire(encodeSyncUpdate(Y.mergeUpdates([before, forged]))), clientUpdateId: 'e1' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden', message: 'A comment is signed by whoever writes it.' } });

    // Unsigned values in a thread's messages are stored (any JSON is) but never shown as messages.
    const stray = new Y.Doc();
    Y.applyUpdate(stray, before);
    (worksheetParts(stray).comments.get(0).get('messages') as Y.Array<unknown>).push(['just text', 42, { note: 'no author' }]);
    expect(await emitAck(crafted, 'doc.update', { documentId: panel.documentId, sync: toWire(encodeSyncUpdate(Y.encodeStateAsUpdate(stray))), clientUpdateId: 'e2' })).toMatchObject({ ok: true });
    const threads = readThreads(buildDoc((await loadStoredDocument(stack.database.db, panel.documentId)).updates));
    expect(threads.map((thread) => thread.messages.map((message) => message.text))).toEqual([['Week 1 is thin.']]);
  });

  it('claims a writer\'s client id as they join, before their presence shows it to anyone', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 2 });
    const [alice, mallory] = panel.reviewers;
    const writer = await openProvider(stack.url, alice!.cookie, panel.documentId);
    closers.push(writer.close);
    writer.provider.awareness.setLocalStateField('user', { name: alice!.user.name });
    // Mallory joins and reads Alice's client id from the room's presence, before Alice has written a thing.
    const crafted = await connectSocket(stack.url, mallory!.cookie);
    closers.push(() => crafted.disconnect());
    const joined = await emitAck(crafted, 'doc.join', { documentId: panel.documentId });
    if (!joined.ok) throw new Error(joined.error.message);
    const presence = new Awareness(new Y.Doc());
    applyAwarenessUpdate(presence, toBytes(joined.data.awareness), 'server');
    const aliceId = writer.provider.doc.clientID;
    await eventually(() => presence.getStates().has(aliceId) || undefined);

    // Writing under it first claims nothing: it is Alice's already, and the edit is refused.
    const squat = new Y.Doc();
    squat.clientID = aliceId;
    const first = updateOf(squat, () => squat.getText('notes').insert(0, 'x'));
    expect(await emitAck(crafted, 'doc.update', { documentId: panel.documentId, sync: toWire(encodeSyncUpdate(first)), clientUpdateId: 's1' })).toMatchObject(takenRefusal);
    expect((await owners(panel.documentId)).get(aliceId)).toBe(alice!.user.id);

    // So Alice's edits are stored (before, hers were taken for someone else's and dropped, and acked).
    writer.provider.doc.getText('notes').insert(0, 'Alice: important point.');
    await eventually(() => writer.provider.status === 'saved' || undefined);
    expect(await storedNotes(panel.documentId)).toBe('Alice: important point.');
  });

  it('gives a joining writer whose client id another owns a fresh one, and keeps their edits', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 2 });
    const [alice, bob] = panel.reviewers;
    const taken = new Y.Doc().clientID;
    const first = await connectSocket(stack.url, bob!.cookie);
    closers.push(() => first.disconnect());
    expect(await emitAck(first, 'doc.join', { documentId: panel.documentId, clientId: taken })).toMatchObject({ ok: true });

    const doc = new Y.Doc();
    doc.clientID = taken;
    const writer = await openProvider(stack.url, alice!.cookie, panel.documentId, doc);
    closers.push(writer.close);
    expect(writer.provider.canWrite).toBe(true);
    expect(doc.clientID).not.toBe(taken);
    expect(writer.provider.awareness.clientID).toBe(doc.clientID);
    doc.getText('notes').insert(0, 'Written under a fresh id.');
    await eventually(() => writer.provider.status === 'saved' || undefined);
    expect(await storedNotes(panel.documentId)).toBe('Written under a fresh id.');
    const stored = await owners(panel.documentId);
    expect([stored.get(taken), stored.get(doc.clientID)]).toEqual([bob!.user.id, alice!.user.id]);

    // With edits already under the taken id (they can never be stored), the copy stops: it neither
    // joins again (the room's edits under that id would land on top of its own) nor shows a presence
    // under an id that is someone else's, and it says its edits are refused.
    const written = new Y.Doc();
    written.clientID = taken;
    written.getText('orphan').insert(0, 'under an id that is not mine');
    written.getText('notes').insert(0, 'mine: ');
    const socket = await connectSocket(stack.url, alice!.cookie);
    closers.push(() => socket.disconnect());
    const joins: string[] = [];
    socket.io.engine.on('packetCreate', (packet: { data?: unknown }) => {
      if (String(packet.data ?? '').includes('"doc.join"')) joins.push(String(packet.data));
    });
    const stopped = new DocumentProvider(socket, panel.documentId, written);
    closers.push(() => stopped.destroy());
    await eventually(() => stopped.status === 'refused' || undefined);
    expect(stopped.lastError).toMatchObject({ code: 'conflict', details: { reason: 'client_id_taken' } });
    // The join answer was a refusal: nothing of the room was applied, and it asks no more.
    expect(written.getText('notes').toString()).toBe('mine: ');
    expect(await emitAck(first, 'doc.join', { documentId: panel.documentId })).toMatchObject({ ok: true });
    expect(joins).toHaveLength(1);
  });

  it('leaves out, without refusing, others\' signed comments in a step 2 when their ids were claimed on another process', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 2 });
    const [bob, carol] = panel.reviewers;
    const crafted = await joinedSocket(stack.url, carol!.cookie, panel.documentId);
    closers.push(() => crafted.disconnect());
    // Bob wrote a comment through another server process: his client id was claimed there, and this
    // process, holding the document already, has not heard of it. Carol received the comment and
    // her reconnect's step 2 carries it, with an edit of her own.
    const doc = new Y.Doc();
    const bobsId = doc.clientID;
    addCommentThread(doc, { kind: 'syllabus', ref: '1' }, { authorId: bob!.user.id, authorName: bob!.user.name, text: 'Week 2 needs a lab.' });
    await stack.database.db.insert(documentClients).values({ documentId: panel.documentId, clientId: bobsId, userId: bob!.user.id });
    const carols = new Y.Doc();
    Y.applyUpdate(carols, Y.encodeStateAsUpdate(doc));
    carols.getText('carol-probe').insert(0, 'Carol was here.');
    const step2 = Y.encodeStateAsUpdate(carols);
    expect(await emitAck(crafted, 'doc.update', { documentId: panel.documentId, sync: toWire(encodeSyncStep2(step2)), clientUpdateId: 's2' })).toMatchObject({ ok: true });
    const stored = buildDoc((await loadStoredDocument(stack.database.db, panel.documentId)).updates);
    expect(stored.getText('carol-probe').toString()).toBe('Carol was here.');
    expect(readThreads(stored)).toEqual([]);
  });

  it('answers a join whose claim the database refuses as unavailable, and does not keep the worksheet loaded for it', async () => {
    const db = stack.database.db;
    const panel = await buildPanel(db, stack.url, { reviewers: 1 });
    await db.execute(sql`create function refuse_claims() returns trigger language plpgsql as $$ begin raise exception 'claims refused'; end $$`);
    await db.execute(sql`create trigger refuse_claims before insert on document_clients for each row execute function refuse_claims()`);
    try {
      const socket = await connectSocket(stack.url, panel.reviewers[0]!.cookie);
      closers.push(() => socket.disconnect());
      const refused = await emitAck(socket, 'doc.join', { documentId: panel.documentId, clientId: new Y.Doc().clientID });
      expect(refused).toMatchObject({ ok: false, error: { code: 'unavailable' } });
      expect((refused as { error: { message: string } }).error.message).not.toMatch(/claims refused/);
    } finally {
      await db.execute(sql`drop trigger refuse_claims on document_clients`);
      await db.execute(sql`drop function refuse_claims()`);
    }
    await eventually(() => !stack.server.app.documents!.loadedIds.includes(panel.documentId) || undefined);
  });

  it('claims no client id for an update it refuses', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 2 });
    const [alice, mallory] = panel.reviewers;
    const crafted = await joinedSocket(stack.url, mallory!.cookie, panel.documentId);
    closers.push(() => crafted.disconnect());
    const doc = new Y.Doc();
    const impersonating = updateOf(doc, () => addCommentThread(doc, { kind: 'syllabus', ref: '1' }, { authorId: alice!.user.id, authorName: alice!.user.name, text: 'Signed as Alice.' }));
    expect(await emitAck(crafted, 'doc.update', { documentId: panel.documentId, sync: toWire(encodeSyncUpdate(impersonating)), clientUpdateId: 'i1' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await owners(panel.documentId)).toEqual(new Map());
  });

  it('claims each new client id once when a room starts typing at once, however many of its updates are waiting', async () => {
    const db = stack.database.db;
    // Counts every row a claim proposes (before insert: also those the conflict clause then drops).
    await db.execute(sql`create table claim_attempts (client_id bigint not null)`);
    await db.execute(sql`create function count_claim_attempt() returns trigger language plpgsql as $$
      begin insert into claim_attempts values (new.client_id); return new; end $$`);
    await db.execute(sql`create trigger count_claim_attempts before insert on document_clients for each row execute function count_claim_attempt()`);
    try {
      const panel = await buildPanel(db, stack.url, { reviewers: 1 });
      const socket = await joinedSocket(stack.url, panel.reviewers[0]!.cookie, panel.documentId);
      closers.push(() => socket.disconnect());
      // 20 editors (one Y.Doc each, as 20 tabs would be), 5 edits each, all sent before any ack.
      const editors = Array.from({ length: 20 }, () => new Y.Doc());
      const acks = editors.flatMap((editor, index) =>
        Array.from({ length: 5 }, (_, edit) => {
          const text = editor.getText(`editor-${index}`);
          const update = updateOf(editor, () => text.insert(text.length, String(edit)));
          return emitAck(socket, 'doc.update', { documentId: panel.documentId, sync: toWire(encodeSyncUpdate(update)), clientUpdateId: `${index}-${edit}` });
        }),
      );
      expect((await Promise.all(acks)).every((ack) => ack.ok)).toBe(true);

      const attempts = await db.execute<{ client_id: string }>(sql`select client_id from claim_attempts`);
      expect(attempts.rows.map((row) => Number(row.client_id)).sort()).toEqual(editors.map((editor) => editor.clientID).sort());
      const stored = buildDoc((await loadStoredDocument(db, panel.documentId)).updates);
      expect(editors.map((_, index) => stored.getText(`editor-${index}`).toString())).toEqual(editors.map(() => '01234'));
    } finally {
      await db.execute(sql`drop trigger count_claim_attempts on document_clients`);
      await db.execute(sql`drop function count_claim_attempt`);
      await db.execute(sql`drop table claim_attempts`);
    }
  });
});
