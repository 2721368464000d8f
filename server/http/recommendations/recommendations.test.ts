import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq, sql } from 'drizzle-orm';
import { addDays, conditionalEffectiveDate, todayIso } from '../../../shared/domain/recommendationDates.ts';
import type { DecisionView } from '../../../shared/schemas/decision.ts';
import type { RecommendationView } from '../../../shared/schemas/recommendation.ts';
import { auditEvents, evaluations, recommendationRevocations, recommendations } from '../../db/schema.ts';
import { decisionPost, panelInDeliberation, publishThroughApi, putAndVote, sampleMotion } from '../../../test/support/decisions.ts';
import type { ApiClient } from '../../../test/support/http.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';

let stack: TestStack;
const rows = async (table: typeof recommendations | typeof recommendationRevocations) =>
  (await stack.database.db.select({ n: count() }).from(table))[0]?.n ?? 0;
const statusOf = async (evaluationId: string) =>
  (await stack.database.db.select({ status: evaluations.status }).from(evaluations).where(eq(evaluations.id, evaluationId)))[0]?.status;
const getRecommendation = async (client: ApiClient, id: string) =>
  (await client.get<{ recommendation: RecommendationView }>(`/api/recommendations/${id}`)).body.recommendation;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.close();
});

describe('publishing', () => {
  it('refuses to publish what is not finalized, and refuses reviewers: nothing written', async () => {
    const panel = await panelInDeliberation(stack);
    await putAndVote(panel, ['approve', 'approve']);
    const before = await rows(recommendations);
    const early = await decisionPost(panel.coordinator, panel.evaluationId, '/recommendations', { expectedState: 'voting' });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'invalid_transition', details: { reason: 'wrong_state' } });
    const viaTransitions = await panel.coordinator.post(`/api/evaluations/${panel.evaluationId}/transitions`, { action: 'publish', expectedState: 'voting' });
    expect(viaTransitions.status).toBe(409);

    await panel.coordinator.post(`/api/evaluations/${panel.evaluationId}/transitions`, { action: 'finalize', expectedState: 'voting' });
    const byChair = await decisionPost(panel.panelists[0]!, panel.evaluationId, '/recommendations', { expectedState: 'finalized' });
    expect(byChair.status).toBe(403);
    const stale = await decisionPost(panel.coordinator, panel.evaluationId, '/recommendations', { expectedState: 'voting' });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: 'conflict', details: { status: 'finalized' } });
    const generic = await panel.coordinator.post(`/api/evaluations/${panel.evaluationId}/transitions`, { action: 'publish', expectedState: 'finalized' });
    expect(generic.status).toBe(409);
    expect(generic.body).toMatchObject({ error: { code: 'invalid_transition', details: { reason: 'needs_command' } } });
    expect(await rows(recommendations)).toBe(before);
    expect(await statusOf(panel.evaluationId)).toBe('finalized');
  });

  it('publishes version 1 with the panel snapshot and a sha256 over the canonical record; audited', async () => {
    const panel = await panelInDeliberation(stack);
    const id = await publishThroughApi(panel);
    expect(await statusOf(panel.evaluationId)).toBe('published');
    const [row] = await stack.database.db.select().from(recommendations).where(eq(recommendations.id, id));
    expect(row).toMatchObject({ version: 1, supersedesId: null, signature: null, conditions: [] });
    expect(row!.panel.map((member) => member.seatRole)).toEqual(['chair', 'subject_expert', 'member']);
    const { contentHash, signature: _signature, ...fields } = row!;
    const canonical = canonicalize({ ...fields, publishedAt: fields.publishedAt.toISOString() });
    expect(contentHash).toBe(createHash('sha256').update(canonical!).digest('hex'));

    const view = await getRecommendation(panel.coordinator, id);
    expect(view).toMatchObject({ status: 'active', reReviewDueOn: addDays(view.validUntil, -120), reReviewDue: false });
    const [audit] = await stack.database.db.select().from(auditEvents).where(eq(auditEvents.subjectId, id));
    expect(audit?.action).toBe('recommendation.published');
  });

  it('refuses any edit of a published version with 409 recommendation_immutable; the database refuses too', async () => {
    const panel = await panelInDeliberation(stack);
    const id = await publishThroughApi(panel);
    for (const method of ['PATCH', 'PUT', 'DELETE']) {
      const response = await panel.coordinator.request(method, `/api/recommendations/${id}`, method === 'DELETE' ? undefined : { summary: 'Edited.' });
      expect(response.status, method).toBe(409);
      expect(response.body).toMatchObject({ error: { code: 'recommendation_immutable' } });
    }
    const byReviewer = await panel.panelists[0]!.request('PATCH', `/api/recommendations/${id}`, { summary: 'Edited.' });
    expect(byReviewer.status).toBe(403);
    const direct = await stack.database.db.execute(sql`update recommendations set summary = 'Edited.' where id = ${id}`).then(
      () => null,
      (error: unknown) => error as { cause?: { message?: string } },
    );
    expect(direct?.cause?.message).toMatch(/immutable/);
    expect((await getRecommendation(panel.coordinator, id)).summary).toBe(sampleMotion().summary);
  });

  it('publishes a re-review as a new version that supersedes the old one', async () => {
    const first = await panelInDeliberation(stack);
    const v1 = await publishThroughApi(first);
    const rereview = await panelInDeliberation(stack, { courseId: first.courseId, cycle: 're_review' });
    const v2 = await publishThroughApi(rereview, sampleMotion({ creditLines: [{ semesterHours: 4, level: 'lower_division', subject: 'Mathematics' }] }));
    const [newer] = await stack.database.db.select().from(recommendations).where(eq(recommendations.id, v2));
    expect(newer).toMatchObject({ version: 2, supersedesId: v1, courseId: first.courseId });
    expect(await getRecommendation(first.coordinator, v1)).toMatchObject({ status: 'superseded', supersededById: v2 });
    expect(await getRecommendation(first.coordinator, v2)).toMatchObject({ status: 'active', supersedesId: v1, version: 2 });
  });
});

describe('conditional recommendations', () => {
  it('sets conditions (90 days by default), refuses to publish until they are met, then takes effect on the first of that month', async () => {
    const panel = await panelInDeliberation(stack);
    await putAndVote(panel, ['approve', 'approve'], sampleMotion({ validFrom: '2026-01-01' }));
    const noConditions = await decisionPost(panel.coordinator, panel.evaluationId, '/conditions', { conditions: [], expectedState: 'voting' });
    expect(noConditions.status).toBe(400);
    const tooEarly = await decisionPost(panel.coordinator, panel.evaluationId, '/conditions', { conditions: ['Publish the exam blueprint.'], expectedState: 'voting' });
    expect(tooEarly.status).toBe(409);
    await panel.coordinator.post(`/api/evaluations/${panel.evaluationId}/transitions`, { action: 'finalize', expectedState: 'voting' });

    const byChair = await decisionPost(panel.panelists[0]!, panel.evaluationId, '/conditions', { conditions: ['x'], expectedState: 'finalized' });
    expect(byChair.status).toBe(403);
    const set = await decisionPost(panel.coordinator, panel.evaluationId, '/conditions', {
      conditions: ['Publish the exam blueprint to learners.', 'Add a proctored retake policy.'],
      expectedState: 'finalized',
    });
    expect(set.status).toBe(200);
    expect(set.body.decision.status).toBe('conditional');
    expect(set.body.decision.publication).toMatchObject({ conditionsDueOn: addDays(todayIso(), 90), conditionsMetOn: null });

    const unmet = await decisionPost(panel.coordinator, panel.evaluationId, '/recommendations', { expectedState: 'conditional' });
    expect(unmet.status).toBe(409);
    expect(unmet.body.error).toMatchObject({ code: 'invalid_transition', details: { failures: [{ guard: 'conditions_met' }] } });

    const future = await decisionPost(panel.coordinator, panel.evaluationId, '/conditions/met', { metOn: addDays(todayIso(), 2), expectedState: 'conditional' });
    expect(future.status).toBe(400);
    const met = await decisionPost(panel.coordinator, panel.evaluationId, '/conditions/met', { expectedState: 'conditional' });
    expect(met.status).toBe(200);
    expect((met.body as { decision: DecisionView }).decision.publication.effectiveOn).toBe(conditionalEffectiveDate(todayIso()));
    const again = await decisionPost(panel.coordinator, panel.evaluationId, '/conditions/met', { expectedState: 'conditional' });
    expect(again.status).toBe(409);

    const published = await decisionPost(panel.coordinator, panel.evaluationId, '/recommendations', { expectedState: 'conditional' });
    expect(published.status).toBe(201);
    const view = await getRecommendation(panel.coordinator, published.body.recommendationId!);
    expect(view).toMatchObject({ validFrom: conditionalEffectiveDate(todayIso()), conditions: ['Publish the exam blueprint to learners.', 'Add a proctored retake policy.'] });
  });
});

describe('revoking', () => {
  it('refuses a revocation without a reason (400) or by a reviewer (403), writing nothing', async () => {
    const panel = await panelInDeliberation(stack);
    const id = await publishThroughApi(panel);
    const before = await rows(recommendationRevocations);
    for (const body of [{}, { reason: '   ' }, { reason: 'x'.repeat(2001) }]) {
      const response = await panel.coordinator.post(`/api/recommendations/${id}/revocation`, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body).toMatchObject({ error: { code: 'validation_failed' } });
    }
    expect((await panel.panelists[0]!.post(`/api/recommendations/${id}/revocation`, { reason: 'Because.' })).status).toBe(403);
    expect((await panel.coordinator.post('/api/recommendations/00000000-0000-4000-8000-000000000000/revocation', { reason: 'x' })).status).toBe(404);
    expect(await rows(recommendationRevocations)).toBe(before);
    expect(await statusOf(panel.evaluationId)).toBe('published');
  });

  it('writes a revocation record with its reason, moves the evaluation to revoked, and refuses a second one', async () => {
    const panel = await panelInDeliberation(stack);
    const id = await publishThroughApi(panel);
    const response = await panel.coordinator.post<{ recommendation: RecommendationView }>(`/api/recommendations/${id}/revocation`, {
      reason: 'The provider retired the proctored exam.',
    });
    expect(response.status).toBe(201);
    expect(response.body.recommendation).toMatchObject({ status: 'revoked', revocation: { reason: 'The provider retired the proctored exam.' } });
    expect(response.body.recommendation.revocation?.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await statusOf(panel.evaluationId)).toBe('revoked');
    const trail = await stack.database.db.select().from(auditEvents).where(eq(auditEvents.subjectId, id));
    expect(trail.map((event) => event.action)).toEqual(['recommendation.published', 'recommendation.revoked']);
    const again = await panel.coordinator.post(`/api/recommendations/${id}/revocation`, { reason: 'Twice.' });
    expect(again.status).toBe(409);

    // The next version of a course whose latest was revoked supersedes nothing.
    const next = await panelInDeliberation(stack, { courseId: panel.courseId, cycle: 're_review' });
    const v2 = await publishThroughApi(next);
    expect(await getRecommendation(next.coordinator, v2)).toMatchObject({ version: 2, supersedesId: null, status: 'active' });
  });
});
