import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { documentSnapshots, documentUpdates } from '../../db/schema.ts';
import { compactDocumentJob } from '../../../workers/compactDocument.ts';
import { createLogger } from '../../logger.ts';
import { startTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { fromBase64 } from '../../../shared/realtime/documents.ts';
import { UNAPPLIABLE_UPDATE } from '../../../test/support/documents.ts';
import { openDatabase } from '../../db/client.ts';
import { appendUpdate, buildDoc, compactDocument, loadStoredDocument } from './persistence.ts';

let database: TestDatabase;

beforeAll(async () => {
  database = await startTestDatabase();
});
afterAll(async () => {
  await database.stop();
});

function edits(count: number) {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  for (let index = 0; index < count; index++) doc.getText('t').insert(doc.getText('t').length, `${index},`);
  doc.getText('t').delete(0, 2);
  return { doc, updates };
}

const textOf = (updates: Uint8Array[]) => buildDoc(updates).getText('t').toString();

describe('document persistence', () => {
  it('loads the snapshot plus every update still in the log', async () => {
    const documentId = 'worksheet:11111111-1111-4111-8111-111111111111';
    const { doc, updates } = edits(20);
    for (const update of updates.slice(0, 12)) await appendUpdate(database.db, documentId, update, null);
    expect(await compactDocument(database.db, documentId)).toMatchObject({ merged: 12 });
    for (const update of updates.slice(12)) await appendUpdate(database.db, documentId, update, null);

    const stored = await loadStoredDocument(database.db, documentId);
    expect(stored.logLength).toBe(updates.length - 12);
    expect(stored.updates).toHaveLength(1 + updates.length - 12);
    expect(textOf(stored.updates)).toBe(doc.getText('t').toString());
  });

  it('compacts in a job: merges the log into one snapshot, deletes exactly the merged rows, and is idempotent', async () => {
    const documentId = 'worksheet:22222222-2222-4222-8222-222222222222';
    const { doc, updates } = edits(50);
    for (const update of updates) await appendUpdate(database.db, documentId, update, null);
    const context = { db: database.db, logger: createLogger('test', 'silent'), slowMs: 0 };

    const first = await compactDocumentJob.run({ documentId }, {} as never, context);
    expect(first).toMatchObject({ merged: updates.length });
    expect(await database.db.select().from(documentUpdates).where(eq(documentUpdates.documentId, documentId))).toHaveLength(0);
    const [snapshot] = await database.db.select().from(documentSnapshots).where(eq(documentSnapshots.documentId, documentId));
    expect(textOf([snapshot!.state])).toBe(doc.getText('t').toString());
    // The snapshot is smaller than the log it replaced (one struct per run of text, deletions collected).
    expect(snapshot!.state.byteLength).toBeLessThan(updates.reduce((total, update) => total + update.byteLength, 0));

    // An update stored after (or committed late with a lower id) stays until the next compaction.
    const late = new Y.Doc();
    Y.applyUpdate(late, snapshot!.state);
    let lateUpdate: Uint8Array = new Uint8Array();
    late.once('update', (update: Uint8Array) => (lateUpdate = update));
    late.getText('t').insert(0, 'late ');
    await appendUpdate(database.db, documentId, lateUpdate, null);
    expect(textOf((await loadStoredDocument(database.db, documentId)).updates)).toBe(late.getText('t').toString());

    expect(await compactDocumentJob.run({ documentId }, {} as never, context)).toMatchObject({ merged: 1 });
    expect(await compactDocumentJob.run({ documentId }, {} as never, context)).toMatchObject({ merged: 0 });
    expect(textOf((await loadStoredDocument(database.db, documentId)).updates)).toBe(late.getText('t').toString());
  });

  it('loses nothing when another compaction commits while one is reading and merging (the one holding an outdated snapshot stops)', async () => {
    const documentId = 'worksheet:44444444-4444-4444-8444-444444444444';
    const { doc, updates } = edits(40);
    for (const update of updates.slice(0, 20)) await appendUpdate(database.db, documentId, update, null);
    expect(await compactDocument(database.db, documentId)).toMatchObject({ merged: 20 });
    for (const update of updates.slice(20, 30)) await appendUpdate(database.db, documentId, update, null);
    // A second pool whose first statement (this compaction's read of the snapshot) is followed, before
    // its next one, by another compaction that commits, and by more edits.
    const slow = openDatabase(database.url, { max: 1 });
    const query = slow.pool.query.bind(slow.pool) as (...args: unknown[]) => Promise<unknown>;
    let first = true;
    (slow.pool as unknown as { query: (...args: unknown[]) => Promise<unknown> }).query = async (...args) => {
      const result = await query(...args);
      if (first) {
        first = false;
        expect(await compactDocument(database.db, documentId)).toMatchObject({ merged: 10 });
        for (const update of updates.slice(30)) await appendUpdate(database.db, documentId, update, null);
      }
      return result;
    };
    try {
      expect(await compactDocument(slow.db, documentId)).toMatchObject({ merged: 0 });
    } finally {
      await slow.close();
    }
    expect(textOf((await loadStoredDocument(database.db, documentId)).updates)).toBe(doc.getText('t').toString());
    expect(await compactDocument(database.db, documentId)).toMatchObject({ merged: updates.length - 30 });
    expect(textOf((await loadStoredDocument(database.db, documentId)).updates)).toBe(doc.getText('t').toString());
  });

  it('leaves a row that does not apply in the log instead of compacting it away', async () => {
    const documentId = 'worksheet:33333333-3333-4333-8333-333333333333';
    const { doc, updates } = edits(6);
    const [first, ...rest] = updates;
    await appendUpdate(database.db, documentId, first!, null);
    const badId = await appendUpdate(database.db, documentId, fromBase64(UNAPPLIABLE_UPDATE), null);
    for (const update of rest) await appendUpdate(database.db, documentId, update, null);
    // (Yjs applies such an update in part before it throws: loading shows that part, before and after.)
    const loaded = textOf((await loadStoredDocument(database.db, documentId)).updates);
    expect(loaded).toContain(doc.getText('t').toString());

    expect(await compactDocument(database.db, documentId)).toMatchObject({ merged: updates.length });
    const left = await database.db.select().from(documentUpdates).where(eq(documentUpdates.documentId, documentId));
    expect(left.map((row) => row.id)).toEqual([badId]);
    expect(textOf((await loadStoredDocument(database.db, documentId)).updates)).toBe(loaded);
    // Nothing more to merge: the row stays for someone to look at.
    expect(await compactDocument(database.db, documentId)).toMatchObject({ merged: 0 });
  });

  it('refuses a compaction payload that names no document', async () => {
    const context = { db: database.db, logger: createLogger('test', 'silent'), slowMs: 0 };
    await expect(Promise.resolve().then(() => compactDocumentJob.run({ documentId: 'users; drop table' }, {} as never, context))).rejects.toThrow(/invalid document.compact payload/);
  });
});
