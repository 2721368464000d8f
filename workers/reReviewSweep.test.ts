import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { and, eq, sql } from 'drizzle-orm';
import { addDays, todayIso } from '../shared/domain/recommendationDates.ts';
import type { DecisionView } from '../shared/schemas/decision.ts';
import { jobKinds, queueNames } from '../shared/schemas/jobs.ts';
import { flagDueReReviews } from '../server/commands/flagDueReReviews.ts';
import { auditEvents, evaluations } from '../server/db/schema.ts';
import { silentNotifier } from '../server/realtime/notifier.ts';
import type { Socket } from 'socket.io-client';
import { openSocket, panelInDeliberation, publishThroughApi, sampleMotion, type PanelFixture } from '../test/support/decisions.ts';
import { startTestStack, type TestStack } from '../test/support/stack.ts';
import { eventually } from '../test/support/wait.ts';

let stack: TestStack;
const statusOf = async (evaluationId: string) =>
  (await stack.database.db.select({ status: evaluations.status }).from(evaluations).where(eq(evaluations.id, evaluationId)))[0]?.status;

beforeAll(async () => {
  stack = await startTestStack({ workers: true });
});
afterAll(async () => {
  await stack?.close();
});

async function publishValidUntil(validUntil: string): Promise<PanelFixture> {
  const panel = await panelInDeliberation(stack);
  await publishThroughApi(panel, sampleMotion({ validFrom: addDays(validUntil, -3 * 365), validUntil }));
  return panel;
}

describe('re-review sweep', () => {
  it('flags, as the system, a recommendation within 120 days of valid-until: published → re_review_due, audited, pushed live', async () => {
    const today = todayIso();
    const due = await publishValidUntil(addDays(today, 30));
    const later = await publishValidUntil(addDays(today, 200));
    const before = (await due.coordinator.get<{ decision: DecisionView }>(`/api/evaluations/${due.evaluationId}/decision`)).body.decision;
    expect(before.publication.recommendation).toMatchObject({ reReviewDue: true, reReviewDueOn: addDays(today, 30 - 120) });

    // The coordinator's dashboard hears the change the worker made, once, without refetching.
    const sockets: Socket[] = [];
    const dashboard = await openSocket(stack, due.coordinator, sockets);
    expect(await dashboard.emitWithAck('dashboard.watch', {})).toMatchObject({ ok: true });
    const changes: { evaluationId: string; status: string }[] = [];
    dashboard.on('evaluation.changed', (event: { evaluationId: string; status: string }) => changes.push(event));

    const queue = new Queue(queueNames.recommendations, { connection: { url: stack.redis.url }, prefix: stack.queuePrefix });
    try {
      await queue.add(jobKinds.reReviewSweep, {});
      await eventually(async () => (await statusOf(due.evaluationId)) === 're_review_due');
      expect(await queue.getJobSchedulersCount()).toBe(1);
      await eventually(() => changes.some((change) => change.evaluationId === due.evaluationId) || undefined);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(changes.filter((change) => change.evaluationId === due.evaluationId)).toEqual([{ evaluationId: due.evaluationId, status: 're_review_due' }]);
      expect(changes.some((change) => change.evaluationId === later.evaluationId)).toBe(false);
    } finally {
      await queue.close();
      sockets.forEach((socket) => socket.disconnect());
    }
    expect(await statusOf(later.evaluationId)).toBe('published');
    const [audit] = await stack.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, due.evaluationId), eq(auditEvents.action, 'evaluation.flag_re_review')));
    expect(audit).toMatchObject({ actorId: null, before: { status: 'published' }, after: { status: 're_review_due', reReviewDueOn: addDays(today, -90) } });
  });

  it('has what it moved told live even when it fails further on', async () => {
    const today = todayIso();
    const first = await publishValidUntil(addDays(today, 5));
    const failing = await publishValidUntil(addDays(today, 6));
    const sockets: Socket[] = [];
    const dashboard = await openSocket(stack, first.coordinator, sockets);
    expect(await dashboard.emitWithAck('dashboard.watch', {})).toMatchObject({ ok: true });
    const changes: string[] = [];
    dashboard.on('evaluation.changed', (event: { evaluationId: string }) => changes.push(event.evaluationId));
    // The second evaluation due (the sweep takes the soonest first) cannot be moved.
    await stack.database.db.execute(
      sql.raw(`create function refuse_flag() returns trigger language plpgsql as $$ begin
        if new.id = '${failing.evaluationId}' and new.status = 're_review_due' then raise exception 'refused for the test'; end if;
        return new; end $$;
        create trigger refuse_flag before update on evaluations for each row execute function refuse_flag();`),
    );
    const queue = new Queue(queueNames.recommendations, { connection: { url: stack.redis.url }, prefix: stack.queuePrefix });
    try {
      const job = await queue.add(jobKinds.reReviewSweep, {});
      await eventually(async () => (await job.getState()) === 'failed' || undefined);
      expect(await statusOf(first.evaluationId)).toBe('re_review_due');
      expect(await statusOf(failing.evaluationId)).toBe('published');
      await eventually(() => changes.includes(first.evaluationId) || undefined);
      expect(changes).not.toContain(failing.evaluationId);
    } finally {
      await stack.database.db.execute(sql.raw('drop trigger refuse_flag on evaluations; drop function refuse_flag();'));
      await queue.close();
      sockets.forEach((socket) => socket.disconnect());
    }
  });

  it('moves nothing early or twice, and skips revoked recommendations', async () => {
    const today = todayIso();
    const later = await publishValidUntil(addDays(today, 200));
    const revoked = await publishValidUntil(addDays(today, 10));
    const decision = (await revoked.coordinator.get<{ decision: DecisionView }>(`/api/evaluations/${revoked.evaluationId}/decision`)).body.decision;
    const revocation = await revoked.coordinator.post(`/api/recommendations/${decision.publication.recommendation!.id}/revocation`, { reason: 'Withdrawn by the provider.' });
    expect(revocation.status).toBe(201);
    const context = { db: stack.database.db, notify: silentNotifier };

    expect(await flagDueReReviews(context, addDays(today, 79))).not.toContain(later.evaluationId);
    const flagged = await flagDueReReviews(context, addDays(today, 80));
    expect(flagged).toContain(later.evaluationId);
    expect(flagged).not.toContain(revoked.evaluationId);
    expect(await flagDueReReviews(context, addDays(today, 80))).toEqual([]);
    expect(await statusOf(later.evaluationId)).toBe('re_review_due');
    expect(await statusOf(revoked.evaluationId)).toBe('revoked');
  });
});
