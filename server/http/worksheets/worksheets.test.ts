import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../../test/support/http.ts';
import { addOutcomeRow, setDraftField } from '../../../shared/worksheet.ts';
import { buildPanel, openProvider } from '../../../test/support/documents.ts';
import { eventually } from '../../../test/support/wait.ts';
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

describe('GET /api/worksheets/:evaluationId/draft', () => {
  it('gives panelists and the observing coordinator the draft recommendation and outcome mapping, as saved', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 2 });
    const path = `/api/worksheets/${panel.evaluation.id}/draft`;
    const chair = clientWith(panel.reviewers[0]!.cookie);
    expect(await chair.get(path)).toMatchObject({
      status: 200,
      body: { draft: { semesterHours: null, level: null, subject: '', summary: '' }, outcomes: [] },
    });

    const writer = await openProvider(stack.url, panel.reviewers[1]!.cookie, panel.documentId);
    try {
      const { doc } = writer.provider;
      doc.transact(() => {
        setDraftField(doc, 'semesterHours', 4);
        setDraftField(doc, 'level', 'lower_division');
        setDraftField(doc, 'subject', 'Calculus');
        setDraftField(doc, 'summary', 'Limits, derivatives and integrals.');
      });
      addOutcomeRow(doc, { outcome: 'Apply a method.', evidence: 'Final exam, part B', met: 'yes' });
      addOutcomeRow(doc, { outcome: 'Model a system.', met: 'partly' });
      await eventually(() => writer.provider.status === 'saved' || undefined);
    } finally {
      writer.close();
    }

    const expected = {
      draft: { semesterHours: 4, level: 'lower_division', subject: 'Calculus', summary: 'Limits, derivatives and integrals.' },
      outcomes: [
        { outcome: 'Apply a method.', evidence: 'Final exam, part B', met: 'yes' },
        { outcome: 'Model a system.', evidence: '', met: 'partly' },
      ],
    };
    expect(await chair.get(path)).toMatchObject({ status: 200, body: expected });
    expect(await clientWith(panel.coordinator.cookie).get(path)).toMatchObject({ status: 200, body: expected });
  });

  it('refuses whoever may not open the worksheet', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const stranger = await panel.signIn('reviewer');
    expect(await clientWith(stranger.cookie).get(`/api/worksheets/${panel.evaluation.id}/draft`)).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    const reviewer = clientWith(panel.reviewers[0]!.cookie);
    expect(await reviewer.get('/api/worksheets/not-a-uuid/draft')).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
    expect((await reviewer.get('/api/worksheets/00000000-0000-4000-8000-000000000000/draft')).status).toBe(404);
    expect((await new ApiClient(stack.url).get(`/api/worksheets/${panel.evaluation.id}/draft`)).status).toBe(401);
  });
});
