import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../../test/support/http.ts';
import { buildPanel } from '../../../test/support/documents.ts';
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

describe('GET /api/worksheets/:evaluationId', () => {
  it('gives panelists the document id, the course evidence and their write ability', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const reviewer = await clientWith(panel.reviewers[0]!.cookie).get(`/api/worksheets/${panel.evaluation.id}`);
    expect(reviewer.status).toBe(200);
    expect(reviewer.body).toMatchObject({
      worksheet: {
        documentId: panel.documentId,
        status: 'deliberation',
        course: { title: panel.course.title, learningOutcomes: [{ text: 'Apply a method.' }] },
        abilities: { 'worksheet.read': true, 'worksheet.write': true },
      },
    });
    const observer = await clientWith(panel.coordinator.cookie).get(`/api/worksheets/${panel.evaluation.id}`);
    expect(observer.body).toMatchObject({ worksheet: { abilities: { 'worksheet.write': false } } });
  });

  it('refuses outsiders, proctors, the wrong phase, bad ids and unknown evaluations', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    for (const role of ['reviewer', 'proctor'] as const) {
      const stranger = await panel.signIn(role);
      const refused = await clientWith(stranger.cookie).get(`/api/worksheets/${panel.evaluation.id}`);
      expect(refused).toMatchObject({ status: 403, body: { error: { code: 'forbidden', message: 'You may not open this worksheet.' } } });
    }
    const early = await buildPanel(stack.database.db, stack.url, { status: 'panel_forming', reviewers: 1 });
    expect((await clientWith(early.reviewers[0]!.cookie).get(`/api/worksheets/${early.evaluation.id}`)).status).toBe(403);
    const reviewer = clientWith(panel.reviewers[0]!.cookie);
    expect(await reviewer.get('/api/worksheets/not-a-uuid')).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
    expect(await reviewer.get('/api/worksheets/00000000-0000-4000-8000-000000000000')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect((await new ApiClient(stack.url).get(`/api/worksheets/${panel.evaluation.id}`)).status).toBe(401);
  });
});
