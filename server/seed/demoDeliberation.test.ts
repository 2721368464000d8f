import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { worksheetDocumentId } from '../../shared/realtime/documents.ts';
import { connectSocket, emitAck } from '../../test/support/documents.ts';
import { signedIn } from '../../test/support/http.ts';
import { startTestStack, type TestStack } from '../../test/support/stack.ts';
import { DEMO_PASSWORD } from './demoData.ts';
import { demoDeliberation, seedDemoDeliberation } from './demoDeliberation.ts';

let stack: TestStack;
let evaluationId: string;
beforeAll(async () => {
  stack = await startTestStack({ seed: true });
  evaluationId = await seedDemoDeliberation(stack.server.app);
});
afterAll(async () => {
  await stack?.close();
});

const [chair, expert] = demoDeliberation.panel;

describe('the demo evaluation in deliberation', () => {
  it('reaches deliberation through the workflow: panel seated, every review submitted, every step audited', async () => {
    const coordinator = await signedIn(stack.url, demoDeliberation.coordinator, DEMO_PASSWORD);
    const { body } = await coordinator.get<{ evaluation: { status: string; course: { title: string }; panel: { seated: number } } }>(`/api/evaluations/${evaluationId}`);
    expect(body.evaluation.status).toBe('deliberation');
    expect(body.evaluation.course.title).toBe('Calculus: Single Variable');

    const panelist = await signedIn(stack.url, chair!.email, DEMO_PASSWORD);
    const reviews = await panelist.get<{ reviews: { status: string; reviewer: { seatRole: string }; proposedCredit: { semesterHours: number }[] }[] }>(
      `/api/evaluations/${evaluationId}/reviews`,
    );
    expect(reviews.status).toBe(200);
    expect(reviews.body.reviews.map((review) => [review.reviewer.seatRole, review.status, review.proposedCredit[0]?.semesterHours]).sort()).toEqual([
      ['chair', 'submitted', 4],
      ['member', 'submitted', 4],
      ['subject_expert', 'submitted', 3],
    ]);

    const admin = await signedIn(stack.url, 'admin@quorum.test', DEMO_PASSWORD);
    const audit = await admin.get<{ events: { action: string }[] }>(`/api/audit?subjectId=${evaluationId}&limit=50`);
    expect(audit.body.events.map((event) => event.action).reverse()).toEqual([
      'evaluation.created',
      'evaluation.open_panel',
      'panel.seat_added',
      'panel.seat_added',
      'panel.seat_added',
      'evaluation.start_review',
      'evaluation.start_deliberation',
    ]);
    const submissions = await admin.get<{ events: unknown[] }>('/api/audit?action=review.submitted&limit=50');
    expect(submissions.body.events).toHaveLength(demoDeliberation.panel.length);
    expect((await admin.get<{ ok: boolean }>('/api/audit/verify')).body.ok).toBe(true);
  });

  it('has a worksheet the panel can write in and the coordinator can only read', async () => {
    const documentId = worksheetDocumentId(evaluationId);
    for (const [email, canWrite] of [
      [expert!.email, true],
      [demoDeliberation.coordinator, false],
    ] as const) {
      const client = await signedIn(stack.url, email, DEMO_PASSWORD);
      const socket = await connectSocket(stack.url, client.cookie);
      try {
        const joined = await emitAck(socket, 'doc.join', { documentId });
        expect(joined.ok && joined.data.canWrite).toBe(canWrite);
      } finally {
        socket.disconnect();
      }
    }
  });
});
