import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { QueryConfig } from 'pg';
import * as Y from 'yjs';
import type { Database, DbOrTx } from '../../db/client.ts';
import { documentClients, documentSnapshots, documentUpdates } from '../../db/schema.ts';

/**
 * Storage of collaborative documents: an append-only log of Yjs updates (`document_updates`) and
 * at most one compacted snapshot per document (`document_snapshots`). A document's state is the
 * snapshot merged with every update still in the log. Compaction deletes exactly the rows it merged,
 * never "everything up to id N": identity ids are handed out before commit, so a row with a lower id
 * can become visible after one with a higher id, and it must stay in the log until merged.
 */

export interface StoredDocument {
  /** Snapshot first (if any), then the log in id order. */
  updates: Uint8Array[];
  /** Bytes stored for the document (snapshot + log): what the size limit counts. */
  bytes: number;
  /** Rows in the log: how far compaction is behind. */
  logLength: number;
}

/**
 * Reads everything stored for a document, in one statement, so one database snapshot: the snapshot
 * and the log read separately (two pool connections) could straddle a compaction's commit and miss
 * the rows it merged into the snapshot and deleted.
 */
export async function loadStoredDocument(db: DbOrTx, documentId: string): Promise<StoredDocument> {
  const result = await db.execute<{ data: Buffer; logged: boolean }>(sql`
    select ${documentSnapshots.state} as data, false as logged, 0::bigint as position from ${documentSnapshots}
      where ${documentSnapshots.documentId} = ${documentId}
    union all
    select ${documentUpdates.update}, true, ${documentUpdates.id} from ${documentUpdates}
      where ${documentUpdates.documentId} = ${documentId}
    order by logged, position`);
  const updates = result.rows.map(({ data }) => new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return {
    updates,
    bytes: updates.reduce((total, update) => total + update.byteLength, 0),
    logLength: result.rows.filter((row) => row.logged).length,
  };
}

/** Who writes under which Yjs client id in a document (see `documentClients`). */
export async function loadDocumentWriters(db: DbOrTx, documentId: string): Promise<Map<number, string>> {
  const rows = await db
    .select({ clientId: documentClients.clientId, userId: documentClients.userId })
    .from(documentClients)
    .where(eq(documentClients.documentId, documentId));
  return new Map(rows.map((row) => [row.clientId, row.userId]));
}

/**
 * Claims client ids of a document, each for the user asking for it, where nobody owns them yet, and
 * returns who owns each now (the first claim wins, on every server process alike).
 */
export async function claimDocumentClients(db: DbOrTx, documentId: string, claims: readonly { clientId: number; userId: string }[]): Promise<Map<number, string>> {
  if (claims.length === 0) return new Map();
  await db
    .insert(documentClients)
    .values(claims.map(({ clientId, userId }) => ({ documentId, clientId, userId })))
    .onConflictDoNothing();
  return readDocumentClientOwners(db, documentId, claims.map(({ clientId }) => clientId));
}

/** Who owns each of `clientIds` in the document, for those someone has claimed. */
export async function readDocumentClientOwners(db: DbOrTx, documentId: string, clientIds: readonly number[]): Promise<Map<number, string>> {
  if (clientIds.length === 0) return new Map();
  const rows = await db
    .select({ clientId: documentClients.clientId, userId: documentClients.userId })
    .from(documentClients)
    .where(and(eq(documentClients.documentId, documentId), inArray(documentClients.clientId, [...clientIds])));
  return new Map(rows.map((row) => [row.clientId, row.userId]));
}

/** What a document takes in storage now (snapshot + log), as the size limit counts it. */
export async function measureStoredBytes(db: DbOrTx, documentId: string): Promise<number> {
  const result = await db.execute<{ bytes: string | number }>(sql`
    select coalesce((select sum(octet_length(${documentUpdates.update})) from ${documentUpdates} where ${documentUpdates.documentId} = ${documentId}), 0)
         + coalesce((select octet_length(${documentSnapshots.state}) from ${documentSnapshots} where ${documentSnapshots.documentId} = ${documentId}), 0) as bytes`);
  return Number(result.rows[0]?.bytes ?? 0);
}

/**
 * The append statement, built once by drizzle from the schema and then run as plain parameterized
 * SQL: building it per update (query builder, placeholders, tracing wrappers) was ~8% of the
 * server's CPU in a busy room.
 */
let appendStatement: string | null = null;

/**
 * Appends one update to the log; once this resolves the update is durable and may be acknowledged.
 * With `timeoutMs` (> 0) an insert that has not answered by then fails and its connection is
 * dropped: a worksheet stores one insert at a time, so one that hangs (a connection gone half-open)
 * would otherwise hold every later edit of the document, unacked and unrefused, for the kernel's TCP
 * timeout. Its senders get `unavailable` and send again; should it commit after all, the duplicate
 * row is harmless (Yjs updates are idempotent).
 */
export async function appendUpdate(db: Database, documentId: string, update: Uint8Array, actorId: string | null, timeoutMs = 0): Promise<number> {
  appendStatement ??= db
    .insert(documentUpdates)
    .values({ documentId: sql.placeholder('documentId'), update: sql.placeholder('update'), actorId: sql.placeholder('actorId') })
    .returning({ id: documentUpdates.id })
    .toSQL().sql;
  const values = [documentId, Buffer.from(update.buffer, update.byteOffset, update.byteLength), actorId];
  // node-postgres reads `query_timeout` from a query's config too (not in its types): a pool query
  // that times out has its connection destroyed, not handed to the next caller.
  const query = { text: appendStatement, values, ...(timeoutMs > 0 ? { query_timeout: timeoutMs } : {}) } as QueryConfig;
  const result = await db.$client.query<{ id: string | number }>(query);
  const row = result.rows[0];
  if (!row) throw new Error('document update insert returned nothing');
  return Number(row.id);
}

/** Applies stored updates to a fresh Y.Doc; an update that does not apply is reported, not fatal. */
export function buildDoc(updates: readonly Uint8Array[], onBadUpdate?: (index: number, error: unknown) => void): Y.Doc {
  const doc = new Y.Doc();
  doc.transact(() => {
    updates.forEach((update, index) => {
      try {
        Y.applyUpdate(doc, update);
      } catch (error) {
        onBadUpdate?.(index, error);
      }
    });
  });
  return doc;
}

export interface CompactionResult {
  merged: number;
  throughUpdateId: number | null;
  snapshotBytes: number;
}

/**
 * Merges the snapshot and up to `batchSize` logged updates into a new snapshot and deletes the merged
 * rows. The reading and merging (CPU work of up to seconds for a long log) happen outside any
 * transaction: under the embedded PGlite every statement of every worksheet waits while a
 * transaction is open. Then one short transaction, under a per-document advisory lock, checks that
 * the snapshot is still the one merged (another compaction may have committed meanwhile: then this
 * one stops, and the next merges what is left), writes the new one and deletes exactly the merged
 * rows. Idempotent: run twice, the second run finds nothing to merge. Loading through a Y.Doc (not
 * just Y.mergeUpdates) also garbage-collects deleted content.
 */
export async function compactDocument(db: Database, documentId: string, batchSize = 10_000): Promise<CompactionResult> {
  const [snapshot] = await db
    .select({ state: documentSnapshots.state, throughUpdateId: documentSnapshots.throughUpdateId, digest: sql<string>`md5(${documentSnapshots.state})` })
    .from(documentSnapshots)
    .where(eq(documentSnapshots.documentId, documentId));
  const unchanged = { merged: 0, throughUpdateId: snapshot?.throughUpdateId ?? null, snapshotBytes: snapshot?.state.byteLength ?? 0 };
  const rows = await db
    .select({ id: documentUpdates.id, update: documentUpdates.update })
    .from(documentUpdates)
    .where(eq(documentUpdates.documentId, documentId))
    .orderBy(asc(documentUpdates.id))
    .limit(batchSize);
  if (rows.length === 0) return unchanged;
  // A row that does not apply (none should: every update is checked before it is stored) stays in
  // the log for someone to look at, rather than vanish into a snapshot that lacks it; a snapshot
  // that does not apply is never replaced.
  const unappliable = new Set<number>();
  const offset = snapshot ? 1 : 0;
  const doc = buildDoc([...(snapshot ? [snapshot.state] : []), ...rows.map((row) => row.update)], (index) => unappliable.add(index - offset));
  const state = Buffer.from(Y.encodeStateAsUpdate(doc));
  doc.destroy();
  if (unappliable.has(-1)) throw new Error(`the snapshot of ${documentId} does not apply; not compacting`);
  const merged = rows.filter((_row, index) => !unappliable.has(index));
  if (merged.length === 0) return unchanged;
  const throughUpdateId = Math.max(snapshot?.throughUpdateId ?? 0, ...merged.map((row) => row.id));
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`document:${documentId}`}))`);
    // Still the snapshot merged above? (Every compaction that merges something writes a new one.)
    const [current] = await tx
      .select({ digest: sql<string>`md5(${documentSnapshots.state})` })
      .from(documentSnapshots)
      .where(eq(documentSnapshots.documentId, documentId));
    if (current?.digest !== snapshot?.digest) return unchanged;
    await tx
      .insert(documentSnapshots)
      .values({ documentId, state, throughUpdateId, updatedAt: new Date() })
      .onConflictDoUpdate({ target: documentSnapshots.documentId, set: { state, throughUpdateId, updatedAt: new Date() } });
    await tx.delete(documentUpdates).where(inArray(documentUpdates.id, merged.map((row) => row.id)));
    return { merged: merged.length, throughUpdateId, snapshotBytes: state.byteLength };
  });
}
