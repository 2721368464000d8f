import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
import type { Course, CourseSummary, Provider } from '../../../shared/schemas/course.ts';
import type { Evaluation } from '../../../shared/schemas/evaluation.ts';
import { auditEvents, courses, providers } from '../../db/schema.ts';
import { buildUser, courseFields } from '../../../test/support/factories.ts';
import { signedIn, type ApiClient } from '../../../test/support/http.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';

let stack: TestStack;
let coordinator: ApiClient;
let admin: ApiClient;
let reviewer: ApiClient;
let proctor: ApiClient;
let providerId: string;

const rows = async (table: typeof courses | typeof providers | typeof auditEvents) =>
  (await stack.database.db.select({ n: count() }).from(table))[0]?.n ?? 0;

beforeAll(async () => {
  stack = await startTestStack();
  const db = stack.database.db;
  const signIn = async (role: 'coordinator' | 'admin' | 'reviewer' | 'proctor') => signedIn(stack.url, (await buildUser(db, { role })).email);
  coordinator = await signIn('coordinator');
  admin = await signIn('admin');
  reviewer = await signIn('reviewer');
  proctor = await signIn('proctor');
});
afterAll(async () => {
  await stack?.close();
});

describe('providers', () => {
  it('lets a coordinator add and list providers, audited; refuses others and duplicates', async () => {
    const created = await coordinator.post<{ provider: Provider }>('/api/providers', { code: 'coursera', name: 'Coursera' });
    expect(created.status).toBe(201);
    providerId = created.body.provider.id;
    expect(created.body.provider).toMatchObject({ code: 'coursera', name: 'Coursera', kind: 'mooc', courseCount: 0 });
    const [event] = await stack.database.db.select().from(auditEvents).where(eq(auditEvents.subjectId, providerId));
    expect(event).toMatchObject({ action: 'provider.created', subjectType: 'provider' });

    const duplicate = await admin.post('/api/providers', { code: 'coursera', name: 'Coursera again' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toMatchObject({ error: { code: 'conflict', details: { reason: 'duplicate_provider' } } });
    expect((await coordinator.post('/api/providers', { code: 'Has Spaces', name: 'X' })).status).toBe(400);
    for (const client of [reviewer, proctor]) {
      expect((await client.post('/api/providers', { code: 'edx', name: 'edX' })).status).toBe(403);
      expect((await client.get('/api/providers')).status).toBe(403);
    }
    const list = await admin.get<{ providers: Provider[] }>('/api/providers');
    expect(list.body.providers.map((provider) => provider.code)).toEqual(['coursera']);
    expect(await rows(providers)).toBe(1);
  });
});

describe('courses', () => {
  let course: Course;

  it('creates a course with every field, audited, and lists and shows it', async () => {
    const body = { ...courseFields({ title: 'Introduction to Genetics and Evolution', code: 'genetics-evolution-duke' }), providerId };
    const created = await coordinator.post<{ course: Course }>('/api/courses', body);
    expect(created.status).toBe(201);
    course = created.body.course;
    expect(course).toMatchObject({
      title: 'Introduction to Genetics and Evolution',
      partnerDomain: 'duke.edu',
      provider: { id: providerId, name: 'Coursera' },
      learningOutcomes: [{ text: 'Explain inheritance.', bloom: 'understand' }],
      evaluationsUnderway: 0,
    });
    const [event] = await stack.database.db.select().from(auditEvents).where(eq(auditEvents.subjectId, course.id));
    expect(event).toMatchObject({ action: 'course.created', actorId: expect.any(String), after: { code: 'genetics-evolution-duke' } });

    const list = await coordinator.get<{ courses: CourseSummary[]; abilities: Record<string, boolean> }>('/api/courses');
    expect(list.body.courses.map((summary) => summary.id)).toContain(course.id);
    expect(list.body.abilities).toEqual({ 'course.create': true, 'course.update': true, 'course.import': true, 'provider.create': true });
    const shown = await admin.get<{ course: Course }>(`/api/courses/${course.id}`);
    expect(shown.body.course).toEqual(course);
  });

  it('refuses bad input with 400 naming the field, and writes nothing', async () => {
    const [coursesBefore, auditBefore] = [await rows(courses), await rows(auditEvents)];
    const base = { ...courseFields(), providerId };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, assessments: [{ type: 'exam', weight: 60, measures: 'all' }] }, 'assessments'],
      [{ ...base, examBlueprint: [{ section: 'A', items: 3, weight: 50 }] }, 'examBlueprint'],
      [{ ...base, learningOutcomes: [{ text: 'Know things.', bloom: 'memorize' }] }, 'learningOutcomes.0.bloom'],
      [{ ...base, learningOutcomes: [] }, 'learningOutcomes'],
      [{ ...base, partnerDomain: 'https://duke.edu' }, 'partnerDomain'],
      [{ ...base, contactHours: 0 }, 'contactHours'],
      [{ ...base, title: '   ' }, 'title'],
      [{ ...base, providerId: '00000000-0000-4000-8000-000000000000' }, 'providerId'],
      [{ ...base, surprise: 1 }, ''],
    ];
    for (const [body, path] of cases) {
      const response = await coordinator.post<{ error: { code: string; details: { path: string }[] } }>('/api/courses', body);
      expect(response.status, path).toBe(400);
      expect(response.body.error.code).toBe('validation_failed');
      if (path) expect(response.body.error.details.map((detail) => detail.path), path).toContain(path);
    }
    const duplicate = await coordinator.post('/api/courses', { ...base, code: course.code, version: course.version });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toMatchObject({ error: { details: { reason: 'duplicate_course' } } });
    expect(await rows(courses)).toBe(coursesBefore);
    expect(await rows(auditEvents)).toBe(auditBefore);
  });

  it('refuses reviewers and proctors everything about courses', async () => {
    const before = await rows(courses);
    for (const client of [reviewer, proctor]) {
      expect((await client.get('/api/courses')).status).toBe(403);
      expect((await client.get(`/api/courses/${course.id}`)).status).toBe(403);
      expect((await client.post('/api/courses', { ...courseFields(), providerId })).status).toBe(403);
      expect((await client.request('PUT', `/api/courses/${course.id}`, { ...courseFields(), providerId })).status).toBe(403);
    }
    expect(await rows(courses)).toBe(before);
  });

  it('edits a course, audited with before and after, until an evaluation of it is under way', async () => {
    const edited = await coordinator.request<{ course: Course }>('PUT', `/api/courses/${course.id}`, {
      ...courseFields({ title: 'Genetics and Evolution', code: course.code, version: course.version }),
      contactHours: 44,
      providerId,
    });
    expect(edited.status).toBe(200);
    expect(edited.body.course).toMatchObject({ id: course.id, title: 'Genetics and Evolution', contactHours: 44 });
    const trail = await stack.database.db.select().from(auditEvents).where(eq(auditEvents.subjectId, course.id));
    expect(trail.at(-1)).toMatchObject({ action: 'course.updated', before: { contactHours: 40 }, after: { contactHours: 44 } });

    expect((await coordinator.request('PUT', '/api/courses/00000000-0000-4000-8000-000000000000', { ...courseFields(), providerId })).status).toBe(404);
    const invalid = await coordinator.request('PUT', `/api/courses/${course.id}`, { ...courseFields(), providerId, contactHours: -1 });
    expect(invalid.status).toBe(400);

    const evaluation = await coordinator.post<{ evaluation: Evaluation }>('/api/evaluations', { courseId: course.id });
    // In intake the evidence may still be corrected; once the panel forms it is frozen.
    expect((await coordinator.request('PUT', `/api/courses/${course.id}`, { ...courseFields({ code: course.code, version: course.version }), providerId })).status).toBe(200);
    await coordinator.post(`/api/evaluations/${evaluation.body.evaluation.id}/transitions`, { action: 'open_panel', expectedState: 'intake' });
    const frozen = await coordinator.request('PUT', `/api/courses/${course.id}`, { ...courseFields({ code: course.code, version: course.version }), providerId });
    expect(frozen.status).toBe(409);
    expect(frozen.body).toMatchObject({ error: { code: 'conflict', details: { reason: 'course_under_evaluation', evaluations: 1 } } });
    expect((await coordinator.get<{ course: Course }>(`/api/courses/${course.id}`)).body.course.evaluationsUnderway).toBe(1);
  });
});

describe('evaluation creation with phase due dates and a quorum rule', () => {
  it('stores and shows them; the review due date follows the independent review phase', async () => {
    const [summary] = (await coordinator.get<{ courses: CourseSummary[] }>('/api/courses')).body.courses;
    const phaseDueDates = { panel_forming: '2027-01-10', independent_review: '2027-02-01', voting: '2027-03-01' };
    const created = await coordinator.post<{ evaluation: Evaluation }>('/api/evaluations', { courseId: summary!.id, phaseDueDates, quorumRule: 'two_thirds_of_seated' });
    expect(created.status).toBe(201);
    expect(created.body.evaluation).toMatchObject({ phaseDueDates, quorumRule: 'two_thirds_of_seated', reviewDueOn: '2027-02-01' });
    const plain = await coordinator.post<{ evaluation: Evaluation }>('/api/evaluations', { courseId: summary!.id });
    expect(plain.body.evaluation).toMatchObject({ phaseDueDates: {}, quorumRule: 'majority_of_seated', reviewDueOn: null });

    for (const body of [
      { courseId: summary!.id, phaseDueDates: { independent_review: '2027-02-01', deliberation: '2027-01-01' } },
      { courseId: summary!.id, phaseDueDates: { published: '2027-02-01' } },
      { courseId: summary!.id, phaseDueDates: { voting: 'next week' } },
      { courseId: summary!.id, quorumRule: 'whoever_shouts' },
    ]) {
      const response = await coordinator.post('/api/evaluations', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
  });
});
