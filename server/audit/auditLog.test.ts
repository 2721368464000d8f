import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { auditEvents } from '../db/schema.ts';
import { buildUser } from '../../test/support/factories.ts';
import { signedIn, type ApiClient } from '../../test/support/http.ts';
import { startTestStack, type TestStack } from '../../test/support/stack.ts';
import type { AuditEventView, AuditVerifyResult } from '../../shared/schemas/audit.ts';
import { recordAudit, verifyAuditChain } from './auditLog.ts';

let stack: TestStack;
let admin: ApiClient;
let coordinator: ApiClient;

const append = (action: string, subjectId: string, after: unknown = { n: 1 }) =>
  stack.database.db.transaction((tx) => recordAudit(tx, { actorId: null, action, subjectType: 'thing', subjectId, before: null, after }));

beforeAll(async () => {
  stack = await startTestStack();
  const [adminUser, coordinatorUser] = await Promise.all([
    buildUser(stack.database.db, { role: 'admin', name: 'Avery Admin' }),
    buildUser(stack.database.db, { role: 'coordinator' }),
  ]);
  [admin, coordinator] = await Promise.all([signedIn(stack.url, adminUser.email), signedIn(stack.url, coordinatorUser.email)]);
});
afterAll(() => stack.close());

// Each test starts from an empty, intact chain of its own.
beforeEach(async () => {
  await stack.database.db.execute(sql`delete from audit_events`);
  await stack.database.db.execute(sql`update audit_head set seq = 0, hash = repeat('0', 64)`);
});

describe('audit chain', () => {

  it('links events into a chain that verifies', async () => {
    const first = await append('thing.created', 'a', { title: 'Pre-Calculus', at: new Date('2026-01-01T00:00:00Z') });
    const second = await append('thing.changed', 'a');
    expect(second.seq).toBe(first.seq + 1);
    const [row] = await stack.database.db.select().from(auditEvents).where(eq(auditEvents.seq, second.seq));
    expect(row?.prevHash).toBe(first.hash);
    expect(await verifyAuditChain(stack.database.db)).toEqual({ ok: true, checked: 2, problems: [] });
  });

  it('stays linear and gap-free under concurrent writers and rolled-back transactions', async () => {
    await Promise.all([
      ...Array.from({ length: 20 }, (_, index) => append('thing.created', `c${index}`)),
      ...Array.from({ length: 5 }, (_, index) =>
        stack.database.db
          .transaction(async (tx) => {
            await recordAudit(tx, { actorId: null, action: 'thing.doomed', subjectType: 'thing', subjectId: `d${index}`, before: null, after: null });
            throw new Error('roll back');
          })
          .catch(() => undefined),
      ),
    ]);
    const result = await verifyAuditChain(stack.database.db);
    expect(result).toEqual({ ok: true, checked: 20, problems: [] });
  });

  it('detects an edited row', async () => {
    await append('thing.created', 'a');
    const target = await append('thing.changed', 'a', { grade: 'B' });
    await append('thing.changed', 'a');
    await stack.database.db.update(auditEvents).set({ after: { grade: 'A' } }).where(eq(auditEvents.seq, target.seq));
    const result = await verifyAuditChain(stack.database.db);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([{ seq: target.seq, problem: 'content does not match its hash' }]);
  });

  it('detects a row edited with its hash recomputed, by the broken link after it', async () => {
    await append('thing.created', 'a');
    const target = await append('thing.changed', 'a');
    await append('thing.changed', 'a');
    await stack.database.db.update(auditEvents).set({ hash: 'f'.repeat(64) }).where(eq(auditEvents.seq, target.seq));
    const result = await verifyAuditChain(stack.database.db);
    expect(result.problems.map((problem) => problem.seq)).toEqual([target.seq, target.seq + 1]);
  });

  it('detects a deleted row in the middle and at the end', async () => {
    await append('thing.created', 'a');
    const middle = await append('thing.changed', 'a');
    const last = await append('thing.changed', 'a');
    await stack.database.db.delete(auditEvents).where(eq(auditEvents.seq, middle.seq));
    const gap = await verifyAuditChain(stack.database.db);
    expect(gap.problems).toEqual(
      expect.arrayContaining([{ seq: middle.seq, problem: `rows ${middle.seq}..${middle.seq} are missing` }]),
    );
    await stack.database.db.delete(auditEvents).where(eq(auditEvents.seq, last.seq));
    const tail = await verifyAuditChain(stack.database.db);
    expect(tail.problems.at(-1)?.problem).toBe('the newest events were removed or the head was altered');
  });
});

describe('audit API', () => {
  it('lists and filters events for an admin, newest first', async () => {
    await append('thing.created', 'x1');
    await append('thing.changed', 'x1');
    await append('thing.created', 'x2');
    const all = await admin.get<{ events: AuditEventView[] }>('/api/audit?limit=500');
    expect(all.status).toBe(200);
    const seqs = all.body.events.map((event) => event.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    const filtered = await admin.get<{ events: AuditEventView[] }>('/api/audit?subjectId=x1&action=thing.changed');
    expect(filtered.body.events.map((event) => [event.subjectId, event.action])).toEqual([['x1', 'thing.changed']]);
    const verified = await admin.get<AuditVerifyResult>('/api/audit/verify');
    expect(verified.body.ok).toBe(true);
  });

  it('refuses non-admins and bad filters', async () => {
    expect((await coordinator.get('/api/audit')).status).toBe(403);
    expect((await coordinator.get('/api/audit/verify')).status).toBe(403);
    const bad = await admin.get('/api/audit?limit=0');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'validation_failed' } });
  });

  it('verifies a chain that grows while it is read, and still finds events left past an altered head', async () => {
    for (let index = 0; index < 20; index++) await append('thing.created', `seed-${index}`);
    // Appends and verifications interleave (small batches: many reads per verification); an event
    // committed between a verification's last batch and its reading of the head is not a removal.
    let appended = false;
    const appending = (async () => {
      for (let index = 0; index < 60; index++) await append('thing.changed', `busy-${index}`);
      appended = true;
    })();
    const results: AuditVerifyResult[] = [];
    const verifying = (async () => {
      while (!appended) results.push(await verifyAuditChain(stack.database.db, 4));
    })();
    await Promise.all([appending, verifying]);
    expect(results.length).toBeGreaterThan(0);
    expect(results.filter((result) => !result.ok)).toEqual([]);
    expect(await verifyAuditChain(stack.database.db)).toMatchObject({ ok: true, checked: 80 });

    // The head set back (as if the newest events had never been written) is not passed over.
    await stack.database.db.execute(sql`update audit_head set seq = seq - 1, hash = (select hash from audit_events where seq = (select max(seq) - 1 from audit_events))`);
    const tampered = await verifyAuditChain(stack.database.db);
    expect(tampered.ok).toBe(false);
    expect(tampered.problems.map((problem) => problem.problem)).toContain('events lie past the head or do not link to it');
  });
});
