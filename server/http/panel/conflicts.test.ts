import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { and, count, eq } from 'drizzle-orm';
import type { Evaluation } from '../../../shared/schemas/evaluation.ts';
import type { Panel } from '../../../shared/schemas/panel.ts';
import { auditEvents, conflictDeclarations } from '../../db/schema.ts';
import { buildCourse, buildEvaluation, buildReviewer, buildUser } from '../../../test/support/factories.ts';
import { signedIn, type ApiClient } from '../../../test/support/http.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';

let stack: TestStack;
let coordinator: ApiClient;
let courseId: string;
let coordinatorId: string;
const panelists: { id: string; client: ApiClient }[] = [];
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

const declarationCount = async () => (await stack.database.db.select({ n: count() }).from(conflictDeclarations))[0]?.n ?? 0;

/** An evaluation in panel forming with all three panelists seated (the first as chair). */
async function formedPanel(): Promise<string> {
  const created = await coordinator.post<{ evaluation: Evaluation }>('/api/evaluations', { courseId });
  const evaluationId = created.body.evaluation.id;
  await coordinator.post(`/api/evaluations/${evaluationId}/transitions`, { action: 'open_panel', expectedState: 'intake' });
  for (const [index, panelist] of panelists.entries()) {
    const seated = await coordinator.post(`/api/evaluations/${evaluationId}/panel/seats`, { reviewerId: panelist.id, seatRole: index === 0 ? 'chair' : 'member' });
    expect(seated.status).toBe(201);
  }
  return evaluationId;
}

beforeAll(async () => {
  stack = await startTestStack();
  const db = stack.database.db;
  const course = await buildCourse(db, { partnerInstitution: 'Duke University' });
  courseId = course.id;
  const coordinatorUser = await buildUser(db, { role: 'coordinator' });
  coordinatorId = coordinatorUser.id;
  coordinator = await signedIn(stack.url, coordinatorUser.email);
  for (const name of ['Ana Chair', 'Ben Member', 'Cy Member']) {
    const reviewer = await buildReviewer(db, { name, expertise: ['mathematics'] });
    panelists.push({ id: reviewer.id, client: await signedIn(stack.url, reviewer.email) });
  }
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await stack?.close();
});

describe('declaring a conflict of interest', () => {
  it('shuts a seated reviewer out at once: 403 on every evaluation route, gone from the list, told live', async () => {
    const evaluationId = await formedPanel();
    const [declarer] = panelists;
    expect((await declarer!.client.get(`/api/evaluations/${evaluationId}`)).status).toBe(200);
    const before = await declarer!.client.get<{ panel: Panel }>(`/api/evaluations/${evaluationId}/panel`);
    expect(before.body.panel.abilities.declareConflict).toBe(true);

    const reviewerSocket = await openSocket(declarer!.client);
    const coordinatorSocket = await openSocket(coordinator);
    expect(await coordinatorSocket.emitWithAck('dashboard.watch', {})).toMatchObject({ ok: true });
    const revoked = new Promise<unknown>((resolve) => reviewerSocket.once('access.revoked', resolve));
    const changed = new Promise<unknown>((resolve) => coordinatorSocket.once('panel.changed', resolve));

    const declared = await declarer!.client.post(`/api/evaluations/${evaluationId}/conflicts`, { reason: 'I co-authored the course textbook.' });
    expect(declared.status).toBe(201);
    expect(await revoked).toEqual({ evaluationId, reason: 'conflict_declared' });
    expect(await changed).toEqual({ evaluationId });

    const refused = await declarer!.client.get(`/api/evaluations/${evaluationId}`);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: 'forbidden' } });
    const list = await declarer!.client.get<{ evaluations: Evaluation[] }>('/api/evaluations');
    expect(list.body.evaluations.map((evaluation) => evaluation.id)).not.toContain(evaluationId);
    expect((await declarer!.client.get(`/api/evaluations/${evaluationId}/panel`)).status).toBe(403);
    expect((await declarer!.client.post(`/api/evaluations/${evaluationId}/transitions`, { action: 'withdraw', expectedState: 'panel_forming' })).status).toBe(403);
    // The other panelists keep their access.
    expect((await panelists[1]!.client.get(`/api/evaluations/${evaluationId}`)).status).toBe(200);

    // The coordinator sees the standing conflict, and the review cannot start until it is resolved.
    const panel = await coordinator.get<{ panel: Panel }>(`/api/evaluations/${evaluationId}/panel`);
    const seat = panel.body.panel.seats.find((candidate) => candidate.reviewer.id === declarer!.id);
    expect(seat?.conflict).toEqual({ reasons: ['declared'], override: null, standing: true });
    expect(panel.body.panel.declarations).toMatchObject([{ reviewer: { id: declarer!.id }, reason: 'I co-authored the course textbook.' }]);
    const view = await coordinator.get<{ evaluation: Evaluation }>(`/api/evaluations/${evaluationId}`);
    const start = view.body.evaluation.abilities.transitions.find((step) => step.action === 'start_review');
    expect(start?.allowed).toBe(false);
    expect(start?.failures.map((failure) => failure.guard)).toEqual(expect.arrayContaining(['panel_full', 'no_unresolved_conflicts']));

    const [event] = await stack.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, evaluationId), eq(auditEvents.action, 'conflict.declared')));
    expect(event).toMatchObject({ actorId: declarer!.id, after: { seated: true, declaration: { reason: 'I co-authored the course textbook.' } } });
  });

  it('bars again a reviewer seated under an override who then declares a conflict', async () => {
    const created = await coordinator.post<{ evaluation: Evaluation }>('/api/evaluations', { courseId });
    const evaluationId = created.body.evaluation.id;
    const dukeReviewer = await buildReviewer(stack.database.db, { institution: 'Duke University' });
    const client = await signedIn(stack.url, dukeReviewer.email);
    const seated = await coordinator.post(`/api/evaluations/${evaluationId}/panel/seats`, {
      reviewerId: dukeReviewer.id,
      seatRole: 'member',
      conflictOverride: { justification: 'Emeritus, no ties to the department for ten years.' },
    });
    expect(seated.status).toBe(201);
    expect((await client.get(`/api/evaluations/${evaluationId}`)).status).toBe(200);
    expect((await client.post(`/api/evaluations/${evaluationId}/conflicts`, { reason: 'My former student now teaches it.' })).status).toBe(201);
    expect((await client.get(`/api/evaluations/${evaluationId}`)).status).toBe(403);
  });

  it('refuses non-reviewers, closed evaluations, short reasons and unknown evaluations, writing nothing', async () => {
    const evaluationId = await formedPanel();
    const before = await declarationCount();
    const asCoordinator = await coordinator.post(`/api/evaluations/${evaluationId}/conflicts`, { reason: 'A good enough reason.' });
    expect(asCoordinator.status).toBe(403);
    for (const body of [{}, { reason: 'no' }, { reason: '     ' }, { reason: 'A good enough reason.', extra: 1 }]) {
      const response = await panelists[1]!.client.post(`/api/evaluations/${evaluationId}/conflicts`, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body).toMatchObject({ error: { code: 'validation_failed' } });
    }
    const published = await buildEvaluation(stack.database.db, { courseId, createdBy: coordinatorId, status: 'published' });
    expect((await panelists[1]!.client.post(`/api/evaluations/${published.id}/conflicts`, { reason: 'A good enough reason.' })).status).toBe(403);
    expect((await panelists[1]!.client.post('/api/evaluations/00000000-0000-4000-8000-000000000000/conflicts', { reason: 'A good enough reason.' })).status).toBe(404);
    expect(await declarationCount()).toBe(before);
  });
});
