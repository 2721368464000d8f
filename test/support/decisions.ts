import { expect } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import type { DecisionView } from '../../shared/schemas/decision.ts';
import type { PutMotionBody } from '../../shared/schemas/motion.ts';
import { buildCourse, buildDeliberation, buildUser } from './factories.ts';
import { signedIn, type ApiClient } from './http.ts';
import type { TestStack } from './stack.ts';

/** The first of this month, UTC: a valid-from that makes a fresh recommendation active today. */
export function firstOfThisMonth(): string {
  return `${new Date().toISOString().slice(0, 7)}-01`;
}

/** A motion body the chair could put: 3 lower-division semester hours in Mathematics. */
export function sampleMotion(overrides: Partial<PutMotionBody> = {}): PutMotionBody {
  return {
    creditLines: [{ semesterHours: 3, level: 'lower_division', subject: 'Mathematics' }],
    validFrom: firstOfThisMonth(),
    summary: 'Functions, graphs and the algebra needed to begin calculus, assessed by a proctored final exam.',
    learningOutcomes: ['Analyze functions algebraically and graphically.', 'Solve exponential and logarithmic equations.'],
    ...overrides,
  };
}

export interface PanelFixture {
  evaluationId: string;
  courseId: string;
  coordinator: ApiClient;
  /** Signed-in panelists: chair, subject expert, then members. */
  panelists: ApiClient[];
  panelistIds: string[];
}

/**
 * An evaluation in deliberation with a seated panel, every panelist and a coordinator signed in.
 * Pass `courseId` to evaluate the same course again (a re-review).
 */
export async function panelInDeliberation(
  stack: TestStack,
  options: { size?: number; quorumRule?: 'majority_of_seated' | 'two_thirds_of_seated' | 'unanimous'; courseId?: string; cycle?: 'initial' | 're_review' } = {},
): Promise<PanelFixture> {
  const db = stack.database.db;
  const courseId = options.courseId ?? (await buildCourse(db, { title: 'Pre-Calculus and Algebra' })).id;
  const coordinatorUser = await buildUser(db, { role: 'coordinator' });
  const reviewers = await Promise.all(Array.from({ length: options.size ?? 3 }, () => buildUser(db, { role: 'reviewer' })));
  const evaluation = await buildDeliberation(db, {
    courseId,
    createdBy: coordinatorUser.id,
    reviewerIds: reviewers.map((reviewer) => reviewer.id),
    quorumRule: options.quorumRule,
    cycle: options.cycle,
  });
  const [coordinator, ...panelists] = await Promise.all([
    signedIn(stack.url, coordinatorUser.email),
    ...reviewers.map((reviewer) => signedIn(stack.url, reviewer.email)),
  ]);
  return { evaluationId: evaluation.id, courseId, coordinator: coordinator!, panelists, panelistIds: reviewers.map((reviewer) => reviewer.id) };
}

type DecisionResponse = { decision: DecisionView; motionId?: string; recommendationId?: string; outcome?: string; error?: { code: string; details?: unknown } };

/** POSTs to an evaluation's decision routes. */
export function decisionPost(client: ApiClient, evaluationId: string, path: string, body: unknown) {
  return client.post<DecisionResponse>(`/api/evaluations/${evaluationId}${path}`, body);
}

/** The chair puts the motion and the panel votes `choices` in seat order; returns the motion id. */
export async function putAndVote(panel: PanelFixture, choices: readonly ('approve' | 'reject' | 'abstain')[], motion = sampleMotion()): Promise<string> {
  const put = await decisionPost(panel.panelists[0]!, panel.evaluationId, '/motions', motion);
  expect(put.status, JSON.stringify(put.body)).toBe(201);
  const motionId = put.body.motionId!;
  for (const [index, choice] of choices.entries()) {
    const vote = await decisionPost(panel.panelists[index]!, panel.evaluationId, `/motions/${motionId}/votes`, { choice });
    expect(vote.status, JSON.stringify(vote.body)).toBe(201);
  }
  return motionId;
}

/** Carries a motion, finalizes and publishes it; returns the published recommendation's id. */
export async function publishThroughApi(panel: PanelFixture, motion = sampleMotion()): Promise<string> {
  await putAndVote(panel, ['approve', 'approve'], motion);
  const finalized = await panel.coordinator.post(`/api/evaluations/${panel.evaluationId}/transitions`, { action: 'finalize', expectedState: 'voting' });
  expect(finalized.status, JSON.stringify(finalized.body)).toBe(200);
  const published = await decisionPost(panel.coordinator, panel.evaluationId, '/recommendations', { expectedState: 'finalized' });
  expect(published.status, JSON.stringify(published.body)).toBe(201);
  return published.body.recommendationId!;
}

/** A Socket.IO client signed in as `client`. */
export async function openSocket(stack: TestStack, client: ApiClient, sockets: Socket[]): Promise<Socket> {
  const socket = connect(stack.url, { transports: ['websocket'], extraHeaders: { cookie: client.cookie } });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.on('connect', resolve);
    socket.on('connect_error', reject);
  });
  return socket;
}
