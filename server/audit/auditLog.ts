import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { and, asc, eq, gt, lte } from 'drizzle-orm';
import type { AuditVerifyResult } from '../../shared/schemas/audit.ts';
import type { DbOrTx, Tx } from '../db/client.ts';
import { auditEvents, auditHead } from '../db/schema.ts';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntry {
  actorId: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  before?: unknown;
  after?: unknown;
}

interface HashedFields extends Required<AuditEntry> {
  seq: number;
  at: string;
  prevHash: string;
}

/** JSON as PostgreSQL's jsonb will give it back: dates as strings, undefined dropped. */
function plain(value: unknown): unknown {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
}

function hashOf(fields: HashedFields): string {
  const text = canonicalize({
    seq: fields.seq,
    at: fields.at,
    actorId: fields.actorId,
    action: fields.action,
    subjectType: fields.subjectType,
    subjectId: fields.subjectId,
    before: fields.before,
    after: fields.after,
    prevHash: fields.prevHash,
  });
  return createHash('sha256').update(text ?? '').digest('hex');
}

/**
 * Appends an audit event inside the caller's transaction. The head row's lock serializes writers,
 * so the chain stays linear and gap-free across processes.
 */
export async function recordAudit(tx: Tx, entry: AuditEntry): Promise<{ seq: number; hash: string }> {
  const [head] = await tx.select().from(auditHead).where(eq(auditHead.id, 1)).for('update');
  if (!head) throw new Error('audit_head row is missing: migrations did not run');
  const fields: HashedFields = {
    seq: head.seq + 1,
    at: new Date().toISOString(),
    actorId: entry.actorId,
    action: entry.action,
    subjectType: entry.subjectType,
    subjectId: entry.subjectId,
    before: plain(entry.before),
    after: plain(entry.after),
    prevHash: head.hash,
  };
  const hash = hashOf(fields);
  await tx.insert(auditEvents).values({ ...fields, hash });
  await tx.update(auditHead).set({ seq: fields.seq, hash }).where(eq(auditHead.id, 1));
  return { seq: fields.seq, hash };
}

/** Recomputes the whole chain and names every row that was edited, deleted or reordered. */
export async function verifyAuditChain(db: DbOrTx, batchSize = 1000): Promise<AuditVerifyResult> {
  const problems: AuditVerifyResult['problems'] = [];
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  // The head first: events appended while we read are past it and left for the next check (read
  // after the batches, a busy log would look as if its newest events had been removed).
  const [head] = await db.select().from(auditHead).where(eq(auditHead.id, 1));
  const through = head?.seq ?? 0;
  for (;;) {
    const rows = await db
      .select()
      .from(auditEvents)
      .where(and(gt(auditEvents.seq, expectedSeq - 1), lte(auditEvents.seq, through)))
      .orderBy(asc(auditEvents.seq))
      .limit(batchSize);
    if (rows.length === 0) break;
    for (const row of rows) {
      checked++;
      if (row.seq !== expectedSeq) {
        problems.push({ seq: expectedSeq, problem: `rows ${expectedSeq}..${row.seq - 1} are missing` });
      }
      if (row.prevHash !== prevHash) {
        problems.push({ seq: row.seq, problem: 'does not link to the previous event' });
      }
      const recomputed = hashOf({
        seq: row.seq,
        at: new Date(row.at).toISOString(),
        actorId: row.actorId,
        action: row.action,
        subjectType: row.subjectType,
        subjectId: row.subjectId,
        before: row.before,
        after: row.after,
        prevHash: row.prevHash,
      });
      if (recomputed !== row.hash) problems.push({ seq: row.seq, problem: 'content does not match its hash' });
      prevHash = row.hash;
      expectedSeq = row.seq + 1;
    }
  }
  if (!head || head.seq !== expectedSeq - 1 || head.hash !== prevHash) {
    problems.push({ seq: head?.seq ?? 0, problem: 'the newest events were removed or the head was altered' });
  }
  // Events past the head must have been appended since we read it: the head has moved on, and the
  // first of them links to the last event checked.
  const [beyond] = await db.select().from(auditEvents).where(gt(auditEvents.seq, through)).orderBy(asc(auditEvents.seq)).limit(1);
  if (beyond) {
    const [now] = await db.select().from(auditHead).where(eq(auditHead.id, 1));
    if (!now || now.seq < beyond.seq || beyond.seq !== through + 1 || beyond.prevHash !== prevHash) {
      problems.push({ seq: beyond.seq, problem: 'events lie past the head or do not link to it' });
    }
  }
  return { ok: problems.length === 0, checked, problems };
}
