import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { toWire, worksheetDocumentId } from '../../shared/realtime/documents.ts';
import { encodeSyncUpdate } from '../../shared/realtime/syncMessages.ts';
import { anchoredPassage, notesText, readWorksheet } from '../../shared/worksheet.ts';
import { documentClients, users } from '../db/schema.ts';
import { connectSocket, emitAck, openProvider, updateOf } from '../../test/support/documents.ts';
import { eventually } from '../../test/support/wait.ts';
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

const [chair, expert, member] = demoDeliberation.panel;

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

  it('opens its worksheet with the deliberation under way: notes, mapping, draft and comments, each panelist writing under a client id of their own', async () => {
    const documentId = worksheetDocumentId(evaluationId);
    const userIds = new Map((await stack.database.db.select({ id: users.id, email: users.email }).from(users)).map((user) => [user.email, user.id]));
    const owners = await stack.database.db.select().from(documentClients).where(eq(documentClients.documentId, documentId));
    expect(owners.map((owner) => owner.userId).sort()).toEqual([chair, expert, member].map((seat) => userIds.get(seat!.email)).sort());

    const client = await signedIn(stack.url, expert!.email, DEMO_PASSWORD);
    const opened = await openProvider(stack.url, client.cookie, documentId);
    try {
      const doc = opened.provider.doc;
      expect(notesText(doc)).toContain('Where the reviews agree');
      expect(notesText(doc)).toContain('Captions in weeks 5–6');
      expect(notesText(doc)).toContain('Our Calculus I is four semester hours');
      const worksheet = readWorksheet(doc);
      expect(worksheet.draft).toMatchObject({ semesterHours: null, level: 'lower_division', subject: 'Calculus' });
      expect(worksheet.outcomes.map((row) => row.met)).toEqual(['yes', 'yes', 'partly']);
      expect(worksheet.threads.map((thread) => [thread.anchor.kind, thread.messages.map((message) => message.authorName), thread.resolved])).toEqual([
        ['syllabus', ['Prof. Jonas Lindqvist', 'Dr. Rita Okafor'], false],
        ['assessment', ['Prof. Jonas Lindqvist', 'Dr. Rita Okafor'], true],
        ['text', ['Dr. Terrence Brooks'], false],
      ]);
      // Each message is signed by its writer, as the server checks a live comment.
      for (const message of worksheet.threads.flatMap((thread) => thread.messages)) {
        expect(owners.some((owner) => owner.userId === message.authorId)).toBe(true);
      }
      expect(anchoredPassage(doc, worksheet.threads[2]!.anchor)).toBe('the proctored final carries half the grade');

      // The panel writes on in it, and a live edit under the chair's client id is not the expert's to make.
      const paragraph = new Y.XmlElement('paragraph');
      paragraph.insert(0, [new Y.XmlText('Jonas: I can live with four hours if the summary names the series work.')]);
      doc.getXmlFragment('notes').push([paragraph]);
      await eventually(() => opened.provider.status === 'saved' || undefined);
      const { body } = await client.get<{ draft: { subject: string } }>(`/api/worksheets/${evaluationId}/draft`);
      expect(body.draft.subject).toBe('Calculus');

      const chairsId = owners.find((owner) => owner.userId === userIds.get(chair!.email))!.clientId;
      const forger = new Y.Doc();
      Y.applyUpdate(forger, Y.encodeStateAsUpdate(doc));
      forger.clientID = chairsId;
      const forged = updateOf(forger, () => forger.getXmlFragment('notes').push([new Y.XmlText('as the chair')]));
      expect(await emitAck(opened.socket, 'doc.update', { documentId, sync: toWire(encodeSyncUpdate(forged)), clientUpdateId: 'forged' })).toMatchObject({
        ok: false,
        error: { code: 'forbidden', details: { reason: 'client_id_taken' } },
      });
    } finally {
      opened.close();
    }
  });
});
