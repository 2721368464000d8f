import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { count, eq, sql } from 'drizzle-orm';
import { auditEvents, evaluations, jobs } from '../../db/schema.ts';
import { buildCourse, buildEvaluation, buildUser, seatReviewer } from '../../../test/support/factories.ts';
import { signedIn, type ApiClient } from '../../../test/support/http.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { databaseKinds } from '../../../test/support/database.ts';
import { eventually } from '../../../test/support/wait.ts';
import type { Evaluation } from '../../../shared/schemas/evaluation.ts';

describe.each(databaseKinds)('evaluations API on %s', (kind) => {
  let stack: TestStack;
  let course: Awaited<ReturnType<typeof buildCourse>>;
  let coordinator: ApiClient;
  let otherCoordinator: ApiClient;
  let reviewer: ApiClient;
  const sockets: Socket[] = [];

  const openSocket = async (client: ApiClient) => {
    const socket = connect(stack.url, { transports: ['websocket'], extraHeaders: { cookie: client.cookie } });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.on('connect', resolve);
      socket.on('connect_error', reject);
    });
    return socket;
  };
  const countRows = async (table: typeof evaluations | typeof auditEvents) =>
    (await stack.database.db.select({ n: count() }).from(table))[0]?.n ?? 0;

  beforeAll(async () => {
    stack = await startTestStack({ workers: true, database: kind });
    const db = stack.database.db;
    course = await buildCourse(db, { title: 'Calculus: Single Variable' });
    const [c1, c2, r1] = await Promise.all([
      buildUser(db, { role: 'coordinator' }),
      buildUser(db, { role: 'coordinator' }),
      buildUser(db, { role: 'reviewer' }),
    ]);
    [coordinator, otherCoordinator, reviewer] = await Promise.all([
      signedIn(stack.url, c1!.email),
      signedIn(stack.url, c2!.email),
      signedIn(stack.url, r1!.email),
    ]);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await stack.close();
  });

  it('creates an evaluation: row, audit event, live push to other coordinators, summary job done', async () => {
    const watcher = await openSocket(otherCoordinator);
    const ack = await watcher.emitWithAck('dashboard.watch', {});
    expect(ack).toEqual({ ok: true, data: { room: 'dashboard' } });
    const created = new Promise<{ evaluationId: string }>((resolve) => watcher.once('evaluation.created', resolve));
    const jobDone = new Promise<{ job: { state: string } }>((resolve) =>
      watcher.on('job.updated', (event: { job: { state: string } }) => event.job.state === 'done' && resolve(event)),
    );

    const response = await coordinator.post<{ evaluation: Evaluation }>('/api/evaluations', { courseId: course.id, reviewDueOn: '2027-01-15' });
    expect(response.status).toBe(201);
    const evaluation = response.body.evaluation;
    expect(evaluation).toMatchObject({
      status: 'intake',
      cycle: 'initial',
      panelSize: 3,
      reviewDueOn: '2027-01-15',
      course: { id: course.id, title: 'Calculus: Single Variable' },
    });
    expect(evaluation.abilities.transitions.find((step) => step.action === 'open_panel')?.allowed).toBe(true);

    expect(await created).toEqual({ evaluationId: evaluation.id });
    const [audit] = await stack.database.db.select().from(auditEvents).where(eq(auditEvents.subjectId, evaluation.id));
    expect(audit).toMatchObject({ action: 'evaluation.created', subjectType: 'evaluation' });

    expect((await jobDone).job.state).toBe('done');
    const seen = await otherCoordinator.get<{ evaluations: Evaluation[] }>('/api/evaluations');
    const listed = seen.body.evaluations.find((item) => item.id === evaluation.id);
    expect(listed?.summaryJob).toMatchObject({ state: 'done', progress: 100 });
    expect(listed?.summaryJob?.artifactSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a reviewer: 403 from the policy, and nothing is written', async () => {
    const [evaluationsBefore, auditBefore] = [await countRows(evaluations), await countRows(auditEvents)];
    const response = await reviewer.post('/api/evaluations', { courseId: course.id });
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ error: { code: 'forbidden' } });
    const list = await reviewer.get<{ abilities: Record<string, boolean>; evaluations: Evaluation[] }>('/api/evaluations');
    expect(list.body.abilities['evaluation.create']).toBe(false);
    expect(list.body.evaluations).toEqual([]);
    expect(await countRows(evaluations)).toBe(evaluationsBefore);
    expect(await countRows(auditEvents)).toBe(auditBefore);
  });

  it('refuses bad input with 400 and details, and changes nothing', async () => {
    const before = await countRows(evaluations);
    const cases = [
      { courseId: 'not-a-uuid' },
      { courseId: course.id, panelSize: 1 },
      { courseId: course.id, cycle: 'sometimes' },
      { courseId: course.id, unexpected: true },
      { courseId: '00000000-0000-4000-8000-000000000000' },
    ];
    for (const body of cases) {
      const response = await coordinator.post('/api/evaluations', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body).toMatchObject({ error: { code: 'validation_failed' } });
    }
    expect(await countRows(evaluations)).toBe(before);
  });

  it('refuses a reviewer joining the coordinators\' dashboard room with an error ack', async () => {
    const socket = await openSocket(reviewer);
    expect(await socket.emitWithAck('dashboard.watch', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await socket.emitWithAck('dashboard.watch', { sneaky: 1 })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
  });

  it('moves through the workflow only by allowed steps, audited, with named refusals', async () => {
    const created = await coordinator.post<{ evaluation: Evaluation }>('/api/evaluations', { courseId: course.id });
    const id = created.body.evaluation.id;
    const opened = await coordinator.post<{ evaluation: Evaluation }>(`/api/evaluations/${id}/transitions`, { action: 'open_panel', expectedState: 'intake' });
    expect(opened.status).toBe(200);
    expect(opened.body.evaluation.status).toBe('panel_forming');

    const stale = await coordinator.post(`/api/evaluations/${id}/transitions`, { action: 'open_panel', expectedState: 'intake' });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ error: { code: 'conflict', details: { status: 'panel_forming' } } });

    const guarded = await coordinator.post(`/api/evaluations/${id}/transitions`, { action: 'start_review', expectedState: 'panel_forming' });
    expect(guarded.status).toBe(409);
    expect(guarded.body).toMatchObject({
      error: { code: 'invalid_transition', details: { reason: 'guard_failed', failures: [{ guard: 'panel_full' }, { guard: 'panel_has_chair' }] } },
    });

    const wrongState = await coordinator.post(`/api/evaluations/${id}/transitions`, { action: 'publish', expectedState: 'panel_forming' });
    expect(wrongState.status).toBe(409);
    expect(wrongState.body).toMatchObject({ error: { code: 'invalid_transition', details: { reason: 'wrong_state' } } });

    const byReviewer = await reviewer.post(`/api/evaluations/${id}/transitions`, { action: 'withdraw', expectedState: 'panel_forming' });
    expect(byReviewer.status).toBe(403);

    const [row] = await stack.database.db.select().from(evaluations).where(eq(evaluations.id, id));
    expect(row?.status).toBe('panel_forming');
    const trail = await stack.database.db.select().from(auditEvents).where(eq(auditEvents.subjectId, id));
    expect(trail.map((event) => event.action)).toEqual(['evaluation.created', 'evaluation.open_panel']);
    expect(trail[1]).toMatchObject({ before: { status: 'intake' }, after: { status: 'panel_forming' } });
  });

  it('answers 404 for an unknown evaluation and 400 for a malformed id', async () => {
    expect((await coordinator.get('/api/evaluations/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await coordinator.get('/api/evaluations/42')).status).toBe(400);
  });

  it('re-enqueues a job row whose enqueue was lost, so Redis losing it loses nothing', async () => {
    const created = await coordinator.post<{ evaluation: Evaluation }>('/api/evaluations', { courseId: course.id });
    const id = created.body.evaluation.id;
    const [job] = await stack.database.db.select().from(jobs).where(eq(jobs.subjectId, id));
    await eventually(async () => (await stack.server.app.queues.evaluations.getJobState(job!.id)) === 'completed');
    // Simulate a job that never reached Redis: reset the row and drop the BullMQ copy.
    await stack.database.db.update(jobs).set({ state: 'queued', progress: 0, artifactSha256: null, updatedAt: new Date(0) }).where(eq(jobs.id, job!.id));
    await stack.server.app.queues.evaluations.remove(job!.id);
    const { requeuePendingJobs } = await import('../../queues/queues.ts');
    expect(await requeuePendingJobs(stack.database.db, stack.server.app.queues, 0)).toBeGreaterThanOrEqual(1);
    const done = await eventually(async () => {
      const [row] = await stack.database.db.select().from(jobs).where(eq(jobs.id, job!.id));
      return row?.state === 'done' ? row : undefined;
    });
    expect(done.artifactSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('lists a reviewer\'s older panels even behind 500 newer evaluations of others', async () => {
    const db = stack.database.db;
    const [creator, seatedUser] = await Promise.all([buildUser(db, { role: 'coordinator' }), buildUser(db, { role: 'reviewer' })]);
    const old = await buildEvaluation(db, { courseId: course.id, createdBy: creator.id, status: 'deliberation' });
    await db.update(evaluations).set({ createdAt: new Date('2020-01-01T00:00:00Z') }).where(eq(evaluations.id, old.id));
    await seatReviewer(db, { evaluationId: old.id, reviewerId: seatedUser.id, seatedBy: creator.id });
    await db.execute(sql`insert into evaluations (course_id, cycle, status, panel_size, created_by)
      select ${course.id}, 'initial', 'intake', 3, ${creator.id} from generate_series(1, 500)`);
    const seated = await signedIn(stack.url, seatedUser.email);
    const listed = await seated.get<{ evaluations: Evaluation[] }>('/api/evaluations');
    expect(listed.status).toBe(200);
    expect(listed.body.evaluations.map((evaluation) => evaluation.id)).toEqual([old.id]);
  });
});
