import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { and, asc, count, eq, inArray } from 'drizzle-orm';
import { auditEvents, conflictDeclarations, evaluations, independentReviews, panelSeats } from '../../db/schema.ts';
import { buildCourse, buildEvaluation, buildUser, seatReviewer } from '../../../test/support/factories.ts';
import { signedIn, type ApiClient } from '../../../test/support/http.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { databaseKinds } from '../../../test/support/database.ts';
import { eventually } from '../../../test/support/wait.ts';
import { standardIds } from '../../../shared/rubric/index.ts';
import type { DeliberationSummary, MyReviewResponse, PanelReviewsResponse, ReviewOverviewResponse, ReviewView } from '../../../shared/schemas/review.ts';
import type { EvaluationState } from '../../../shared/workflow/evaluation.ts';

/** A complete review: every standard met except `notMet` (each with a reason), one credit line. */
function completeReview(notMet: string[] = [], subject = 'Mathematics') {
  return {
    standards: Object.fromEntries(standardIds.map((id) => [id, { met: !notMet.includes(id), comment: notMet.includes(id) ? `Standard ${id} is not evidenced.` : '' }])),
    comments: 'A solid first-year course.',
    proposedCredit: [{ semesterHours: 3, level: 'lower_division', subject }],
  };
}

describe.each(databaseKinds)('independent reviews API on %s', (kind) => {
  let stack: TestStack;
  let db: TestStack['database']['db'];
  let course: Awaited<ReturnType<typeof buildCourse>>;
  let coordinatorId: string;
  const ids: Record<'chair' | 'expert' | 'member' | 'outsider' | 'conflicted', string> = { chair: '', expert: '', member: '', outsider: '', conflicted: '' };
  let coordinator: ApiClient;
  let chair: ApiClient;
  let expert: ApiClient;
  let member: ApiClient;
  let outsider: ApiClient;
  let conflicted: ApiClient;
  let proctor: ApiClient;
  const sockets: Socket[] = [];

  const countRows = async (table: typeof independentReviews | typeof auditEvents) => (await db.select({ n: count() }).from(table))[0]?.n ?? 0;
  const openSocket = async (client: ApiClient) => {
    const socket = connect(stack.url, { transports: ['websocket'], extraHeaders: { cookie: client.cookie } });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.on('connect', resolve);
      socket.on('connect_error', reject);
    });
    return socket;
  };

  /** An evaluation in `status` with chair, expert and member seated, plus a seated reviewer who later declared a conflict. */
  async function panelEvaluation(status: EvaluationState = 'independent_review') {
    const evaluation = await buildEvaluation(db, { courseId: course.id, createdBy: coordinatorId, status });
    const seats = [
      [ids.chair, 'chair'],
      [ids.expert, 'subject_expert'],
      [ids.member, 'member'],
      [ids.conflicted, 'member'],
    ] as const;
    for (const [reviewerId, seatRole] of seats) await seatReviewer(db, { evaluationId: evaluation.id, reviewerId, seatRole, seatedBy: coordinatorId });
    await db.insert(conflictDeclarations).values({ evaluationId: evaluation.id, reviewerId: ids.conflicted, reason: 'I co-taught this course.' });
    return evaluation;
  }

  /** Runs `act` and checks that it wrote no review and no audit event. */
  async function writesNothing(act: () => Promise<void>) {
    const before = [await countRows(independentReviews), await countRows(auditEvents)];
    await act();
    expect([await countRows(independentReviews), await countRows(auditEvents)]).toEqual(before);
  }

  beforeAll(async () => {
    stack = await startTestStack({ database: kind });
    db = stack.database.db;
    course = await buildCourse(db, { title: 'Pre-Calculus and Algebra', partnerInstitution: 'University of California, Irvine' });
    const [c, r1, r2, r3, r4, r5, p] = await Promise.all([
      buildUser(db, { role: 'coordinator' }),
      buildUser(db, { role: 'reviewer', name: 'Ada Chair' }),
      buildUser(db, { role: 'reviewer', name: 'Ben Expert' }),
      buildUser(db, { role: 'reviewer', name: 'Cy Member' }),
      buildUser(db, { role: 'reviewer', name: 'Dee Outsider' }),
      buildUser(db, { role: 'reviewer', name: 'Eve Conflicted' }),
      buildUser(db, { role: 'proctor' }),
    ]);
    coordinatorId = c.id;
    Object.assign(ids, { chair: r1.id, expert: r2.id, member: r3.id, outsider: r4.id, conflicted: r5.id });
    const clients = await Promise.all([c, r1, r2, r3, r4, r5, p].map((user) => signedIn(stack.url, user.email)));
    [coordinator, chair, expert, member, outsider, conflicted, proctor] = clients as [ApiClient, ApiClient, ApiClient, ApiClient, ApiClient, ApiClient, ApiClient];
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await stack.close();
  });

  it('autosaves a private draft, audited; coordinators see status and overdue flags, never contents', async () => {
    const evaluation = await panelEvaluation();
    await db.update(evaluations).set({ reviewDueOn: '2020-01-15' }).where(eq(evaluations.id, evaluation.id));
    const base = `/api/evaluations/${evaluation.id}/reviews`;

    const empty = await chair.get<MyReviewResponse>(`${base}/mine`);
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ review: null, evaluationStatus: 'independent_review', deadline: { dueOn: '2020-01-15', overdue: true } });
    expect(empty.body.abilities).toMatchObject({ 'review.write': true, 'review.read_panel': false, 'review.summary': false });

    const draft = { standards: { '1.1': { met: true, comment: '' }, '2.2': { met: false, comment: 'SECRET: the final is unproctored.' } }, comments: 'Half done.', proposedCredit: [] };
    const saved = await chair.request<{ review: ReviewView }>('PUT', `${base}/mine`, draft);
    expect(saved.status).toBe(200);
    expect(saved.body.review).toMatchObject({ status: 'draft', reviewer: { id: ids.chair, seatRole: 'chair' }, standards: draft.standards, submittedAt: null });
    // An autosave that changes nothing writes nothing.
    await writesNothing(async () => {
      expect((await chair.request('PUT', `${base}/mine`, draft)).status).toBe(200);
    });
    const edited = await chair.request<{ review: ReviewView }>('PUT', `${base}/mine`, { ...draft, comments: 'Nearly done.' });
    expect(edited.body.review.comments).toBe('Nearly done.');
    expect((await chair.get<MyReviewResponse>(`${base}/mine`)).body.review?.comments).toBe('Nearly done.');

    const [review] = await db.select().from(independentReviews).where(eq(independentReviews.evaluationId, evaluation.id));
    const trail = await db.select().from(auditEvents).where(eq(auditEvents.subjectId, review!.id)).orderBy(asc(auditEvents.seq));
    expect(trail.map((event) => [event.action, event.actorId])).toEqual([
      ['review.draft_started', ids.chair],
      ['review.draft_saved', ids.chair],
    ]);
    // The log ties each save to its content by digest and names what changed; no text of the draft.
    expect(trail[1]).toMatchObject({ before: { contentSha256: (trail[0]!.after as { contentSha256: string }).contentSha256 }, after: { status: 'draft', changed: ['comments'] } });
    expect(JSON.stringify(trail)).not.toMatch(/SECRET|Half done|Nearly done/);

    for (const client of [expert, coordinator]) {
      const hidden = await client.get(base);
      expect(hidden.status).toBe(403);
      expect(hidden.body).toMatchObject({ error: { code: 'forbidden' } });
    }
    const overview = await coordinator.get<ReviewOverviewResponse>(`${base}/overview`);
    expect(overview.status).toBe(200);
    expect(overview.body).toMatchObject({ submitted: 0, seated: 3, mine: null, abilities: { 'review.progress': true, 'review.read_panel': false } });
    expect(overview.body.progress?.map((row) => [row.reviewer.name, row.reviewer.seatRole, row.status, row.overdue])).toEqual([
      ['Ada Chair', 'chair', 'draft', true],
      ['Ben Expert', 'subject_expert', 'not_started', true],
      ['Cy Member', 'member', 'not_started', true],
    ]);
    expect(JSON.stringify(overview.body)).not.toContain('SECRET');
    const reviewerOverview = await expert.get<ReviewOverviewResponse>(`${base}/overview`);
    expect(reviewerOverview.body).toMatchObject({ mine: { status: 'not_started' }, progress: null, deadline: { overdue: true } });
  });

  it('refuses writes and reads by anyone not seated, a conflicted panelist, a coordinator and a proctor, writing nothing', async () => {
    const evaluation = await panelEvaluation();
    const base = `/api/evaluations/${evaluation.id}/reviews`;
    const refusals: [ApiClient, string][] = [
      [outsider, 'You may not write a review of this evaluation.'],
      [conflicted, 'You may not write a review of this evaluation.'],
      [coordinator, 'You may not write a review of this evaluation.'],
      [proctor, 'You may not write a review of this evaluation.'],
    ];
    await writesNothing(async () => {
      for (const [client, message] of refusals) {
        for (const response of [await client.request('PUT', `${base}/mine`, completeReview()), await client.post(`${base}/mine/submit`, completeReview())]) {
          expect(response.status).toBe(403);
          expect(response.body).toMatchObject({ error: { code: 'forbidden', message } });
        }
      }
    });
    for (const client of [outsider, conflicted, coordinator, proctor]) expect((await client.get(`${base}/mine`)).status).toBe(403);
    for (const client of [outsider, conflicted, proctor]) {
      expect((await client.get(`${base}/overview`)).status).toBe(403);
      expect((await client.get(base)).status).toBe(403);
    }
  });

  it('refuses reviews outside independent review with 409 wrong_phase, writing nothing', async () => {
    for (const status of ['panel_forming', 'deliberation', 'withdrawn'] as const) {
      const evaluation = await panelEvaluation(status);
      await writesNothing(async () => {
        const response = await chair.request('PUT', `/api/evaluations/${evaluation.id}/reviews/mine`, completeReview());
        expect(response.status, status).toBe(409);
        expect(response.body).toMatchObject({ error: { code: 'conflict', details: { reason: 'wrong_phase', status } } });
        expect((await chair.post(`/api/evaluations/${evaluation.id}/reviews/mine/submit`, completeReview())).status).toBe(409);
      });
    }
  });

  it('refuses bad input with 400 validation_failed and the field, writing nothing', async () => {
    const evaluation = await panelEvaluation();
    const base = `/api/evaluations/${evaluation.id}/reviews`;
    const line = { semesterHours: 3, level: 'lower_division', subject: 'Mathematics' };
    const drafts: [unknown, string][] = [
      [{ ...completeReview(), standards: { '9.9': { met: true, comment: '' } } }, 'standards'],
      [{ ...completeReview(), standards: { '1.1': { met: 'yes', comment: '' } } }, 'standards.1.1.met'],
      [{ ...completeReview(), proposedCredit: [{ ...line, semesterHours: 0.25 }] }, 'proposedCredit.0.semesterHours'],
      [{ ...completeReview(), proposedCredit: [{ ...line, semesterHours: 2.75 }] }, 'proposedCredit.0.semesterHours'],
      [{ ...completeReview(), proposedCredit: [{ ...line, semesterHours: 12.5 }] }, 'proposedCredit.0.semesterHours'],
      [{ ...completeReview(), proposedCredit: [{ ...line, level: 'doctoral' }] }, 'proposedCredit.0.level'],
      [{ ...completeReview(), proposedCredit: Array.from({ length: 7 }, () => line) }, 'proposedCredit'],
      [{ ...completeReview(), score: 100 }, ''],
      [{ standards: {} }, 'comments'],
    ];
    await writesNothing(async () => {
      for (const [body, path] of drafts) {
        const response = await chair.request('PUT', `${base}/mine`, body);
        expect(response.status, JSON.stringify(body).slice(0, 120)).toBe(400);
        expect(response.body).toMatchObject({ error: { code: 'validation_failed' } });
        expect((response.body as { error: { details: { path: string }[] } }).error.details.map((problem) => problem.path)).toContain(path);
      }
      const incomplete = completeReview();
      delete incomplete.standards['3.4'];
      const submissions: [unknown, string][] = [
        [incomplete, 'standards.3.4'],
        [{ ...completeReview(), standards: { ...completeReview().standards, '2.5': { met: false, comment: ' ' } } }, 'standards.2.5.comment'],
        [{ ...completeReview(), proposedCredit: [{ ...line, subject: '' }] }, 'proposedCredit.0.subject'],
      ];
      for (const [body, path] of submissions) {
        const response = await chair.post(`${base}/mine/submit`, body);
        expect(response.status).toBe(400);
        expect(response.body).toMatchObject({ error: { code: 'validation_failed', details: [{ path }] } });
      }
    });
  });

  it('submits finally; the others stay hidden until one submits; the last submission starts deliberation, audited and pushed live', async () => {
    const evaluation = await panelEvaluation();
    const base = `/api/evaluations/${evaluation.id}/reviews`;
    const chairSocket = await openSocket(chair);
    expect(await chairSocket.emitWithAck('evaluation.watch', { evaluationId: evaluation.id })).toMatchObject({ ok: true });
    const dashboard = await openSocket(coordinator);
    expect(await dashboard.emitWithAck('dashboard.watch', {})).toMatchObject({ ok: true });
    const submittedEvents: string[] = [];
    chairSocket.on('review.submitted', (event: { evaluationId: string }) => submittedEvents.push(event.evaluationId));
    const deliberating = new Promise<{ evaluationId: string; status: string }>((resolve) =>
      dashboard.on('evaluation.changed', (event: { evaluationId: string; status: string }) => {
        if (event.evaluationId === evaluation.id && event.status === 'deliberation') resolve(event);
      }),
    );

    // The expert keeps a draft; the chair submits without ever saving one.
    await expert.request('PUT', `${base}/mine`, { ...completeReview(), comments: 'SECRET expert draft' });
    const first = await chair.post<{ review: ReviewView; evaluationStatus: string }>(`${base}/mine/submit`, completeReview(['4.3']));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ evaluationStatus: 'independent_review', review: { status: 'submitted', score: { pointsMet: 51, passes: true } } });
    expect(first.body.review.submittedAt).not.toBeNull();

    await writesNothing(async () => {
      const edit = await chair.request('PUT', `${base}/mine`, completeReview());
      expect(edit.status).toBe(409);
      expect(edit.body).toMatchObject({ error: { code: 'conflict', details: { reason: 'review_submitted' } } });
      expect((await chair.post(`${base}/mine/submit`, completeReview())).body).toMatchObject({ error: { details: { reason: 'review_submitted' } } });
    });

    // HotCRP's rule: the chair now sees submitted reviews (only their own so far, no drafts); the expert still sees nothing.
    const chairView = await chair.get<PanelReviewsResponse>(base);
    expect(chairView.status).toBe(200);
    expect(chairView.body.reviews.map((review) => review.reviewer.name)).toEqual(['Ada Chair']);
    expect(JSON.stringify(chairView.body)).not.toContain('SECRET');
    expect((await expert.get(base)).status).toBe(403);
    expect((await coordinator.get(base)).status).toBe(403);
    expect((await chair.get(`${base}/summary`)).status).toBe(403);

    const second = await expert.post<{ evaluationStatus: string }>(`${base}/mine/submit`, completeReview(['4.3', '2.5'], 'Algebra'));
    expect(second.body.evaluationStatus).toBe('independent_review');
    expect((await expert.get<PanelReviewsResponse>(base)).body.reviews).toHaveLength(2);
    expect((await member.get(base)).status).toBe(403);

    const last = await member.post<{ evaluationStatus: string }>(`${base}/mine/submit`, completeReview(['6.1']));
    expect(last.status).toBe(200);
    expect(last.body.evaluationStatus).toBe('deliberation');
    expect(await deliberating).toEqual({ evaluationId: evaluation.id, status: 'deliberation' });
    await eventually(() => submittedEvents.length === 3);
    expect(submittedEvents).toEqual([evaluation.id, evaluation.id, evaluation.id]);

    const [row] = await db.select().from(evaluations).where(eq(evaluations.id, evaluation.id));
    expect(row?.status).toBe('deliberation');
    const evaluationTrail = await db.select().from(auditEvents).where(eq(auditEvents.subjectId, evaluation.id));
    expect(evaluationTrail).toHaveLength(1);
    expect(evaluationTrail[0]).toMatchObject({
      action: 'evaluation.start_deliberation',
      actorId: null,
      before: { status: 'independent_review' },
      after: { status: 'deliberation', by: 'system', reason: 'all_reviews_submitted' },
    });
    const reviewIds = (await db.select({ id: independentReviews.id }).from(independentReviews).where(eq(independentReviews.evaluationId, evaluation.id))).map((r) => r.id);
    const submissions = await db
      .select()
      .from(auditEvents)
      .where(and(inArray(auditEvents.subjectId, reviewIds), eq(auditEvents.action, 'review.submitted')));
    expect(submissions.map((event) => event.actorId).sort()).toEqual([ids.chair, ids.expert, ids.member].sort());
    for (const event of submissions) expect(Object.keys(event.after as object).sort()).toEqual(['contentSha256', 'evaluationId', 'status', 'submittedAt']);
    expect(submissions.every((event) => event.seq < evaluationTrail[0]!.seq)).toBe(true);

    // Deliberation: coordinators now read contents; the summary tallies the panel by majority.
    expect((await coordinator.get<PanelReviewsResponse>(base)).body.reviews).toHaveLength(3);
    const summary = await coordinator.get<DeliberationSummary>(`${base}/summary`);
    expect(summary.status).toBe(200);
    const tally = new Map(summary.body.result.standards.map((standard) => [standard.standardId, standard]));
    expect(tally.get('4.3')).toMatchObject({ met: 1, notMet: 2, finding: 'not_met', agreement: 'majority' });
    expect(tally.get('6.1')).toMatchObject({ met: 2, notMet: 1, finding: 'met', agreement: 'majority' });
    expect(tally.get('1.1')).toMatchObject({ met: 3, finding: 'met', agreement: 'unanimous' });
    expect(summary.body.result.score).toMatchObject({ pointsMet: 51, pointsPossible: 52, passes: true });
    expect(summary.body.proposals.map((proposal) => [proposal.reviewer.seatRole, proposal.proposedCredit[0]?.subject, proposal.score.passes])).toEqual([
      ['chair', 'Mathematics', true],
      ['subject_expert', 'Algebra', true],
      ['member', 'Mathematics', false],
    ]);
    expect((await member.get(`${base}/summary`)).status).toBe(200);
    for (const client of [conflicted, outsider, proctor]) expect((await client.get(`${base}/summary`)).status).toBe(403);
    const after = await coordinator.get<ReviewOverviewResponse>(`${base}/overview`);
    expect(after.body).toMatchObject({ submitted: 3, seated: 3, abilities: { 'review.summary': true } });
    expect((await chair.request('PUT', `${base}/mine`, completeReview())).status).toBe(409);
  });

  it('counts only current panelists: a coordinator may start deliberation once the remaining seats have all submitted', async () => {
    const evaluation = await panelEvaluation();
    const base = `/api/evaluations/${evaluation.id}/reviews`;
    await chair.post(`${base}/mine/submit`, completeReview());
    await expert.post(`${base}/mine/submit`, completeReview());
    const step = { action: 'start_deliberation', expectedState: 'independent_review' };
    const blocked = await coordinator.post(`/api/evaluations/${evaluation.id}/transitions`, step);
    expect(blocked.status).toBe(409);
    expect(blocked.body).toMatchObject({ error: { code: 'invalid_transition', details: { failures: [{ guard: 'all_reviews_submitted' }] } } });

    await db.update(panelSeats).set({ removedAt: new Date() }).where(and(eq(panelSeats.evaluationId, evaluation.id), eq(panelSeats.reviewerId, ids.member)));
    const moved = await coordinator.post<{ evaluation: { status: string } }>(`/api/evaluations/${evaluation.id}/transitions`, step);
    expect(moved.status).toBe(200);
    expect(moved.body.evaluation.status).toBe('deliberation');
  });

  it('answers 404 for an unknown evaluation and 400 for a malformed id', async () => {
    expect((await chair.get('/api/evaluations/00000000-0000-4000-8000-000000000000/reviews/mine')).status).toBe(404);
    expect((await chair.request('PUT', '/api/evaluations/00000000-0000-4000-8000-000000000000/reviews/mine', completeReview())).status).toBe(404);
    expect((await chair.get('/api/evaluations/42/reviews/mine')).status).toBe(400);
  });
});
