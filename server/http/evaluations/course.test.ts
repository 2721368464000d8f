import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConflictDeclaration } from '../../../test/support/factories.ts';
import { buildPanel } from '../../../test/support/documents.ts';
import { ApiClient } from '../../../test/support/http.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack.close();
});

function clientWith(cookie: string): ApiClient {
  const client = new ApiClient(stack.url);
  client.cookie = cookie;
  return client;
}

describe('GET /api/evaluations/:id/course', () => {
  it('gives a seated reviewer and the coordinator the whole course evidence during independent review', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { status: 'independent_review', reviewers: 1 });
    for (const cookie of [panel.reviewers[0]!.cookie, panel.coordinator.cookie]) {
      const response = await clientWith(cookie).get(`/api/evaluations/${panel.evaluation.id}/course`);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        course: {
          id: panel.course.id,
          title: panel.course.title,
          description: 'A course built by the test factories.',
          contactHours: 40,
          syllabus: [{ week: 1, title: 'Week one', topics: ['a topic'] }],
          learningOutcomes: [{ text: 'Apply a method.', bloom: 'apply' }],
          assessments: [{ type: 'proctored final exam', weight: 100, measures: 'everything' }],
          examBlueprint: [{ section: 'All', items: 10, weight: 100 }],
        },
      });
    }
  });

  it('refuses unseated reviewers, conflicted panelists, proctors, strangers, bad ids and unknown evaluations', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { status: 'independent_review', reviewers: 2 });
    const path = `/api/evaluations/${panel.evaluation.id}/course`;
    const refusal = { status: 403, body: { error: { code: 'forbidden', message: 'You may not see this evaluation.' } } };
    for (const role of ['reviewer', 'proctor'] as const) {
      const outsider = await panel.signIn(role);
      expect(await clientWith(outsider.cookie).get(path)).toMatchObject(refusal);
    }
    const conflicted = panel.reviewers[1]!;
    await buildConflictDeclaration(stack.database.db, { evaluationId: panel.evaluation.id, reviewerId: conflicted.user.id });
    expect(await clientWith(conflicted.cookie).get(path)).toMatchObject(refusal);

    const reviewer = clientWith(panel.reviewers[0]!.cookie);
    expect(await reviewer.get('/api/evaluations/not-a-uuid/course')).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
    expect(await reviewer.get('/api/evaluations/00000000-0000-4000-8000-000000000000/course')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect((await new ApiClient(stack.url).get(path)).status).toBe(401);
  });
});
