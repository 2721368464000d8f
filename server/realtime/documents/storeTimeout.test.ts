import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import * as Y from 'yjs';
import { openDatabase } from '../../db/client.ts';
import { databaseKinds, startTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { appendUpdate, buildDoc, loadStoredDocument } from './persistence.ts';

describe.each(databaseKinds)('a worksheet insert that does not answer (%s)', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await startTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.stop();
  });

  it('fails after its timeout instead of holding the document, and leaves the pool and the database working', async () => {
    const documentId = 'worksheet:55555555-5555-4555-8555-555555555555';
    const writer = new Y.Doc();
    writer.getText('t').insert(0, 'held up');
    const update = Y.encodeStateAsUpdate(writer);
    // Another connection holds the log locked (under PGlite: holds the one backend) for a while.
    const holder = openDatabase(database.url, { max: 1 });
    const app = openDatabase(database.url, { max: 2 });
    try {
      // A connection already open, as a running server's pool has (under PGlite a new one waits for the backend to open).
      await app.pool.query('select 1');
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      const holding = holder.db.transaction(async (tx) => {
        await tx.execute(sql`lock table document_updates in exclusive mode`);
        locked();
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      });
      await isLocked;
      await expect(appendUpdate(app.db, documentId, update, null, 200)).rejects.toThrow(/timeout/i);
      await holding;
      // Nothing stuck: transactions and inserts on the same pool go on, and the edit is stored when sent again.
      await app.db.transaction(async (tx) => {
        await tx.execute(sql`select 1`);
      });
      await appendUpdate(app.db, documentId, update, null, 200);
      expect(buildDoc((await loadStoredDocument(app.db, documentId)).updates).getText('t').toString()).toBe('held up');
    } finally {
      await Promise.all([holder.close(), app.close()]);
    }
  });
});
