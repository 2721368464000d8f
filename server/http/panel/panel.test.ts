import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { and, count, eq } from 'drizzle-orm';
import type { Evaluation } from '../../../shared/schemas/evaluation.ts';
import type { Panel, ReviewerSuggestion } from '../../../shared/schemas/panel.ts';
import { auditEvents, courses, panelSeats } from '../../db/schema.ts';
import { buildCourse, buildEvaluation, buildReviewer, buildUser } from '../../../test/support/factories.ts';
import { signedIn, type ApiClient } from '../../../test/support/http.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';

let stack: TestStack;
let coordinator: ApiClient;
let admin: ApiClient;
let courseId: string;
let coordinatorId: string;
const reviewers: Record<'chen' | 'domainOnly' | 'haddad' | 'novak' | 'okafor', { id: string; email: string; client: ApiClient }> = {} as never;
const sockets: Socket[] = [];

async function openSocket(client: ApiClient): Promise<Socket> {
  const socket = connect(stack.url, { transports: ['websocket'], extraHeaders: { cookie: client.cookie } });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.on('connect', resolve);
    socket.on('connect_error', reject);
  });
  return socket;
}

const seatCount = async (evaluationId: string) =>
  (await stack.database.db.select({ n: count() }).from(panelSeats).where(eq(panelSeats.evaluationId, evaluationId)))[0]?.n ?? 0;
const auditCount = async () => (await stack.database.db.select({ n: count() }).from(auditEvents))[0]?.n ?? 0;

async function openEvaluation(panelSize = 3): Promise<string> {
  const created = await coordinator.post<{ evaluation: Evaluation }>('/api/evaluations', { courseId, panelSize });
  expect(created.status).toBe(201);
  const opened = await coordinator.post(`/api/evaluations/${created.body.evaluation.id}/transitions`, { action: 'open_panel', expectedState: 'intake' });
  expect(opened.status).toBe(200);
  return created.body.evaluation.id;
}

const seat = (evaluationId: string, body: Record<string, unknown>, client = coordinator) =>
  client.post<{ panel: Panel; seatId: string; error?: { code: string; details?: { reason?: string; conflicts?: string[] } } }>(
    `/api/evaluations/${evaluationId}/panel/seats`,
    body,
  );

beforeAll(async () => {
  stack = await startTestStack();
  const db = stack.database.db;
  const course = await buildCourse(db, { title: 'Introduction to Genetics and Evolution', partnerInstitution: 'Duke University' });
  await db
    .update(courses)
    .set({
      subject: 'Biology',
      partnerDomain: 'duke.edu',
      syllabus: [{ week: 1, title: 'Molecular genetics', topics: ['DNA', 'mutation'] }],
      learningOutcomes: [{ text: 'Explain how natural selection produces evolutionary change.', bloom: 'understand' }],
    })
    .where(eq(courses.id, course.id));
  courseId = course.id;
  const [coordinatorUser, adminUser] = await Promise.all([buildUser(db, { role: 'coordinator' }), buildUser(db, { role: 'admin' })]);
  coordinatorId = coordinatorUser.id;
  const people = {
    chen: await buildReviewer(db, { name: 'Mei Chen', institution: 'Duke University', email: `chen-${course.code}@duke.edu`, expertise: ['biology', 'genetics', 'evolution'] }),
    domainOnly: await buildReviewer(db, { name: 'Lee Domain', institution: 'Research Triangle Institute', email: `lee-${course.code}@bio.duke.edu`, expertise: ['ecology'] }),
    haddad: await buildReviewer(db, { name: 'Amir Haddad', institution: 'UC Davis', expertise: ['biology', 'genetics', 'bioinformatics'] }),
    novak: await buildReviewer(db, { name: 'Sara Novak', institution: 'CUNY', expertise: ['biomedical engineering', 'physics'] }),
    okafor: await buildReviewer(db, { name: 'Rita Okafor', institution: 'UMD', expertise: ['mathematics'] }),
  };
  [coordinator, admin] = await Promise.all([signedIn(stack.url, coordinatorUser.email), signedIn(stack.url, adminUser.email)]);
  for (const [key, person] of Object.entries(people)) {
    reviewers[key as keyof typeof reviewers] = { id: person.id, email: person.email, client: await signedIn(stack.url, person.email) };
  }
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await stack?.close();
});

describe('panel suggestions', () => {
  it('ranks reviewers by expertise match, says why, and names conflicts', async () => {
    const evaluationId = await openEvaluation();
    const response = await coordinator.get<{ suggestions: ReviewerSuggestion[] }>(`/api/evaluations/${evaluationId}/panel/suggestions`);
    expect(response.status).toBe(200);
    const ranked = response.body.suggestions.filter((suggestion) => Object.values(reviewers).some((r) => r.id === suggestion.reviewer.id));
    expect(ranked.map((suggestion) => suggestion.reviewer.name)).toEqual(['Mei Chen', 'Amir Haddad', 'Rita Okafor', 'Sara Novak', 'Lee Domain']);
    const [chen, haddad] = ranked;
    expect(chen).toMatchObject({ score: 9, conflicts: ['same_institution', 'same_email_domain'] });
    expect(chen?.matches).toContainEqual({ term: 'evolution', where: 'title', points: 2 });
    expect(haddad).toMatchObject({ score: 6, conflicts: [] });
    expect(haddad?.matches).toEqual([
      { term: 'biology', where: 'subject', points: 3 },
      { term: 'genetics', where: 'title', points: 2 },
      { term: 'genetics', where: 'syllabus', points: 1 },
    ]);
    // At equal scores the conflicted come last.
    expect(ranked[4]).toMatchObject({ score: 0, conflicts: ['same_email_domain'] });

    // A seated reviewer leaves the suggestions; a reviewer may not ask for them at all.
    expect((await seat(evaluationId, { reviewerId: reviewers.haddad.id, seatRole: 'chair' })).status).toBe(201);
    const after = await coordinator.get<{ suggestions: ReviewerSuggestion[] }>(`/api/evaluations/${evaluationId}/panel/suggestions`);
    expect(after.body.suggestions.some((suggestion) => suggestion.reviewer.id === reviewers.haddad.id)).toBe(false);
    const refused = await reviewers.haddad.client.get(`/api/evaluations/${evaluationId}/panel/suggestions`);
    expect(refused.status).toBe(403);
  });
});

describe('seating a panel', () => {
  let evaluationId: string;
  beforeAll(async () => {
    evaluationId = await openEvaluation();
  });

  it('refuses a conflicted reviewer without an override: 409 conflict_of_interest, nothing written', async () => {
    const [seatsBefore, auditBefore] = [await seatCount(evaluationId), await auditCount()];
    const response = await seat(evaluationId, { reviewerId: reviewers.chen.id, seatRole: 'subject_expert' });
    expect(response.status).toBe(409);
    expect(response.body.error).toMatchObject({ code: 'conflict', details: { reason: 'conflict_of_interest', conflicts: ['same_institution', 'same_email_domain'] } });
    expect(await seatCount(evaluationId)).toBe(seatsBefore);
    expect(await auditCount()).toBe(auditBefore);
  });

  it('refuses an override without a justification, and other bad input, with 400', async () => {
    const [seatsBefore, auditBefore] = [await seatCount(evaluationId), await auditCount()];
    const cases = [
      { reviewerId: reviewers.chen.id, seatRole: 'member', conflictOverride: {} },
      { reviewerId: reviewers.chen.id, seatRole: 'member', conflictOverride: { justification: '   ' } },
      { reviewerId: reviewers.chen.id, seatRole: 'member', conflictOverride: 'because' },
      { reviewerId: reviewers.chen.id, seatRole: 'boss' },
      { reviewerId: 'not-a-uuid', seatRole: 'member' },
      { reviewerId: coordinatorId, seatRole: 'member' },
      { reviewerId: reviewers.chen.id, seatRole: 'member', extra: true },
    ];
    for (const body of cases) {
      const response = await seat(evaluationId, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error?.code).toBe('validation_failed');
    }
    expect(await seatCount(evaluationId)).toBe(seatsBefore);
    expect(await auditCount()).toBe(auditBefore);
  });

  it('seats a conflicted reviewer when the coordinator justifies an override, and audits both', async () => {
    const justification = 'Works at a separate institute; never taught or co-authored with the course team.';
    const response = await seat(evaluationId, { reviewerId: reviewers.domainOnly.id, seatRole: 'member', conflictOverride: { justification } });
    expect(response.status).toBe(201);
    const placed = response.body.panel.seats.find((candidate) => candidate.reviewer.id === reviewers.domainOnly.id);
    expect(placed?.conflict).toEqual({ reasons: ['same_email_domain'], override: justification, standing: false });
    const trail = await stack.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, evaluationId)));
    expect(trail.map((event) => event.action)).toEqual(['evaluation.created', 'evaluation.open_panel', 'panel.seat_added', 'panel.conflict_overridden']);
    expect(trail[3]).toMatchObject({ before: { reviewerId: reviewers.domainOnly.id, conflicts: ['same_email_domain'] }, after: { justification } });
  });

  it('allows one chair, no double seat, and no seat beyond the panel size', async () => {
    const watcher = await openSocket(admin);
    expect(await watcher.emitWithAck('dashboard.watch', {})).toMatchObject({ ok: true });
    const changed = new Promise<{ evaluationId: string }>((resolve) => watcher.once('panel.changed', resolve));
    expect((await seat(evaluationId, { reviewerId: reviewers.haddad.id, seatRole: 'chair' })).status).toBe(201);
    expect(await changed).toEqual({ evaluationId });

    const refusals: [Record<string, unknown>, string][] = [
      [{ reviewerId: reviewers.novak.id, seatRole: 'chair' }, 'chair_taken'],
      [{ reviewerId: reviewers.haddad.id, seatRole: 'member' }, 'already_seated'],
    ];
    for (const [body, reason] of refusals) {
      const response = await seat(evaluationId, body);
      expect(response.status, reason).toBe(409);
      expect(response.body.error?.details?.reason).toBe(reason);
    }
    expect((await seat(evaluationId, { reviewerId: reviewers.novak.id, seatRole: 'subject_expert' })).status).toBe(201);
    const full = await seat(evaluationId, { reviewerId: reviewers.okafor.id, seatRole: 'member' });
    expect(full.status).toBe(409);
    expect(full.body.error?.details?.reason).toBe('panel_full');
    expect(await seatCount(evaluationId)).toBe(3);
  });

  it('refuses other roles: reviewers and admins may not seat; panelists see the roster without conflicts', async () => {
    for (const client of [reviewers.okafor.client, reviewers.haddad.client, admin]) {
      const response = await seat(evaluationId, { reviewerId: reviewers.okafor.id, seatRole: 'member' }, client);
      expect(response.status).toBe(403);
      expect(response.body.error?.code).toBe('forbidden');
    }
    expect((await reviewers.okafor.client.get(`/api/evaluations/${evaluationId}/panel`)).status).toBe(403);
    const roster = await reviewers.haddad.client.get<{ panel: Panel }>(`/api/evaluations/${evaluationId}/panel`);
    expect(roster.status).toBe(200);
    expect(roster.body.panel.seats.map((s) => s.seatRole)).toEqual(['chair', 'subject_expert', 'member']);
    expect(roster.body.panel.seats.every((s) => s.conflict === null)).toBe(true);
    expect(roster.body.panel.abilities).toEqual({ manage: false, declareConflict: true, readConflicts: false });
    const asAdmin = await admin.get<{ panel: Panel }>(`/api/evaluations/${evaluationId}/panel`);
    expect(asAdmin.body.panel.abilities).toEqual({ manage: false, declareConflict: false, readConflicts: true });
  });

  it('lets the coordinator start the independent review once the panel is full with a chair, then freezes the panel', async () => {
    const view = await coordinator.get<{ evaluation: Evaluation }>(`/api/evaluations/${evaluationId}`);
    expect(view.body.evaluation.abilities.transitions.find((step) => step.action === 'start_review')).toMatchObject({ allowed: true, failures: [] });
    const started = await coordinator.post<{ evaluation: Evaluation }>(`/api/evaluations/${evaluationId}/transitions`, {
      action: 'start_review',
      expectedState: 'panel_forming',
    });
    expect(started.status).toBe(200);
    expect(started.body.evaluation.status).toBe('independent_review');

    const auditBefore = await auditCount();
    const late = await seat(evaluationId, { reviewerId: reviewers.okafor.id, seatRole: 'member' });
    expect(late.status).toBe(409);
    expect(late.body.error?.details).toMatchObject({ reason: 'wrong_phase', status: 'independent_review' });
    const panel = await coordinator.get<{ panel: Panel }>(`/api/evaluations/${evaluationId}/panel`);
    expect(panel.body.panel.abilities.manage).toBe(false);
    const removal = await coordinator.request('DELETE', `/api/evaluations/${evaluationId}/panel/seats/${panel.body.panel.seats[0]!.id}`);
    expect(removal.status).toBe(409);
    expect(await seatCount(evaluationId)).toBe(3);
    expect(await auditCount()).toBe(auditBefore);
  });
});

describe('removing a seat', () => {
  it('keeps the row with removed_at, audits it, and shuts the reviewer out at once', async () => {
    const evaluationId = await openEvaluation();
    const seated = await seat(evaluationId, { reviewerId: reviewers.okafor.id, seatRole: 'chair' });
    expect((await reviewers.okafor.client.get(`/api/evaluations/${evaluationId}`)).status).toBe(200);
    const reviewerSocket = await openSocket(reviewers.okafor.client);
    const revoked = new Promise<unknown>((resolve) => reviewerSocket.once('access.revoked', resolve));

    const seatId = seated.body.panel.seats[0]!.id;
    expect((await reviewers.okafor.client.request('DELETE', `/api/evaluations/${evaluationId}/panel/seats/${seatId}`)).status).toBe(403);
    const removed = await coordinator.request<{ panel: Panel }>('DELETE', `/api/evaluations/${evaluationId}/panel/seats/${seatId}`);
    expect(removed.status).toBe(200);
    expect(removed.body.panel.seats).toEqual([]);
    expect(await revoked).toEqual({ evaluationId, reason: 'seat_removed' });

    const [row] = await stack.database.db.select().from(panelSeats).where(eq(panelSeats.id, seatId));
    expect(row?.removedAt).toBeInstanceOf(Date);
    expect((await reviewers.okafor.client.get(`/api/evaluations/${evaluationId}`)).status).toBe(403);
    const [event] = await stack.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, evaluationId), eq(auditEvents.action, 'panel.seat_removed')));
    expect(event).toMatchObject({ before: { seatId, reviewerId: reviewers.okafor.id, seatRole: 'chair' } });
    // Removing it again finds no seat; the reviewer can be seated anew.
    expect((await coordinator.request('DELETE', `/api/evaluations/${evaluationId}/panel/seats/${seatId}`)).status).toBe(404);
    expect((await seat(evaluationId, { reviewerId: reviewers.okafor.id, seatRole: 'member' })).status).toBe(201);
  });

  it('answers 404 for an unknown evaluation and 409 wrong_phase on a withdrawn one', async () => {
    expect((await seat('00000000-0000-4000-8000-000000000000', { reviewerId: reviewers.okafor.id, seatRole: 'member' })).status).toBe(404);
    const withdrawn = await buildEvaluation(stack.database.db, { courseId, createdBy: coordinatorId, status: 'withdrawn' });
    const response = await seat(withdrawn.id, { reviewerId: reviewers.okafor.id, seatRole: 'member' });
    expect(response.status).toBe(409);
    expect(response.body.error?.details?.reason).toBe('wrong_phase');
  });
});
