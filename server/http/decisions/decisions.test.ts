import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { and, count, eq } from 'drizzle-orm';
import type { DecisionView } from '../../../shared/schemas/decision.ts';
import { auditEvents, evaluations, motions, votes } from '../../db/schema.ts';
import { buildConflictDeclaration, buildUser } from '../../../test/support/factories.ts';
import { decisionPost, openSocket, panelInDeliberation, putAndVote, sampleMotion, type PanelFixture } from '../../../test/support/decisions.ts';
import { signedIn, type ApiClient } from '../../../test/support/http.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';

let stack: TestStack;
let outsider: ApiClient;
let admin: ApiClient;
const sockets: Socket[] = [];

const rows = async (table: typeof motions | typeof votes | typeof auditEvents) => (await stack.database.db.select({ n: count() }).from(table))[0]?.n ?? 0;
const statusOf = async (evaluationId: string) =>
  (await stack.database.db.select({ status: evaluations.status }).from(evaluations).where(eq(evaluations.id, evaluationId)))[0]?.status;
const decisionOf = async (client: ApiClient, evaluationId: string) =>
  (await client.get<{ decision: DecisionView }>(`/api/evaluations/${evaluationId}/decision`)).body.decision;

beforeAll(async () => {
  stack = await startTestStack();
  const [reviewer, adminUser] = await Promise.all([buildUser(stack.database.db, { role: 'reviewer' }), buildUser(stack.database.db, { role: 'admin' })]);
  [outsider, admin] = await Promise.all([signedIn(stack.url, reviewer.email), signedIn(stack.url, adminUser.email)]);
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await stack?.close();
});

describe('putting a motion', () => {
  let panel: PanelFixture;
  beforeAll(async () => {
    panel = await panelInDeliberation(stack);
  });

  it('refuses anyone but the chair (or a coordinator): 403, nothing written', async () => {
    const [motionsBefore, auditBefore] = [await rows(motions), await rows(auditEvents)];
    for (const client of [panel.panelists[1]!, panel.panelists[2]!, outsider, admin]) {
      const response = await decisionPost(client, panel.evaluationId, '/motions', sampleMotion());
      expect(response.status).toBe(403);
      expect(response.body.error?.code).toBe('forbidden');
    }
    expect(await rows(motions)).toBe(motionsBefore);
    expect(await rows(auditEvents)).toBe(auditBefore);
    expect(await statusOf(panel.evaluationId)).toBe('deliberation');
  });

  it('refuses bad input with 400 naming the field, and writes nothing', async () => {
    const before = await rows(motions);
    const cases = [
      sampleMotion({ creditLines: [{ semesterHours: 0.25, level: 'lower_division', subject: 'Mathematics' }] }),
      sampleMotion({ creditLines: [{ semesterHours: 12.5, level: 'lower_division', subject: 'Mathematics' }] }),
      sampleMotion({ creditLines: [{ semesterHours: 3, level: 'doctoral' as never, subject: 'Mathematics' }] }),
      sampleMotion({ creditLines: [] }),
      sampleMotion({ validFrom: '2026-02-01', validUntil: '2025-02-01' }),
      sampleMotion({ summary: '  ' }),
      { ...sampleMotion(), sneaky: true },
    ];
    for (const body of cases) {
      const response = await decisionPost(panel.panelists[0]!, panel.evaluationId, '/motions', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error?.code).toBe('validation_failed');
    }
    expect(await rows(motions)).toBe(before);
  });

  it('lets the chair put it: the vote is called (deliberation → voting), valid-until defaults to three years, all audited', async () => {
    const abilitiesBefore = await decisionOf(panel.panelists[0]!, panel.evaluationId);
    expect(abilitiesBefore.abilities).toMatchObject({ putMotion: true, vote: false });
    expect((await decisionOf(panel.panelists[1]!, panel.evaluationId)).abilities.putMotion).toBe(false);

    const response = await decisionPost(panel.panelists[0]!, panel.evaluationId, '/motions', sampleMotion({ validFrom: '2026-11-01' }));
    expect(response.status).toBe(201);
    const [current] = response.body.decision.motions;
    expect(current).toMatchObject({
      status: 'open',
      validFrom: '2026-11-01',
      validUntil: '2029-11-01',
      creditLines: [{ phrase: 'In the lower-division baccalaureate/associate degree category, 3 semester hours in Mathematics' }],
      tally: { approve: 0, seated: 3, needed: 2, outcome: 'pending' },
    });
    expect(response.body.decision.status).toBe('voting');
    expect(response.body.decision.abilities).toMatchObject({ putMotion: false, vote: true });
    const trail = await stack.database.db.select().from(auditEvents).where(eq(auditEvents.subjectId, panel.evaluationId));
    expect(trail.map((event) => event.action)).toContain('evaluation.call_vote');
    const [put] = await stack.database.db.select().from(auditEvents).where(and(eq(auditEvents.subjectId, current!.id), eq(auditEvents.action, 'motion.put')));
    expect(put?.actorId).toBe(panel.panelistIds[0]);
  });

  it('refuses a second motion while one is being voted on (wrong phase): 409, nothing written', async () => {
    const before = await rows(motions);
    const response = await decisionPost(panel.panelists[0]!, panel.evaluationId, '/motions', sampleMotion());
    expect(response.status).toBe(409);
    expect(response.body.error).toMatchObject({ code: 'invalid_transition', details: { reason: 'wrong_state' } });
    expect(await rows(motions)).toBe(before);
  });

  it('refuses a motion before deliberation (independent review): 409 wrong_state', async () => {
    const early = await panelInDeliberation(stack);
    await stack.database.db.update(evaluations).set({ status: 'independent_review' }).where(eq(evaluations.id, early.evaluationId));
    const response = await decisionPost(early.panelists[0]!, early.evaluationId, '/motions', sampleMotion());
    expect(response.status).toBe(409);
    expect(response.body.error).toMatchObject({ code: 'invalid_transition', details: { reason: 'wrong_state' } });
  });

  it('bars a chair who declared a conflict', async () => {
    const conflicted = await panelInDeliberation(stack);
    await buildConflictDeclaration(stack.database.db, { evaluationId: conflicted.evaluationId, reviewerId: conflicted.panelistIds[0]! });
    const response = await decisionPost(conflicted.panelists[0]!, conflicted.evaluationId, '/motions', sampleMotion());
    expect(response.status).toBe(403);
  });

  it('keeps the generic transitions endpoint from taking steps that carry data', async () => {
    const response = await panel.coordinator.post(`/api/evaluations/${panel.evaluationId}/transitions`, { action: 'call_vote', expectedState: 'voting' });
    expect(response.status).toBe(409);
  });
});

describe('voting', () => {
  let panel: PanelFixture;
  let motionId: string;
  beforeAll(async () => {
    panel = await panelInDeliberation(stack, { size: 4 });
    await buildConflictDeclaration(stack.database.db, { evaluationId: panel.evaluationId, reviewerId: panel.panelistIds[3]! });
    motionId = await putAndVote(panel, []);
  });
  const vote = (client: ApiClient, body: unknown, id = motionId) => decisionPost(client, panel.evaluationId, `/motions/${id}/votes`, body);

  it('refuses a reviewer not on the panel, a conflicted panelist and a coordinator: 403, nothing written', async () => {
    const before = await rows(votes);
    for (const client of [outsider, panel.panelists[3]!, panel.coordinator]) {
      const response = await vote(client, { choice: 'approve' });
      expect(response.status).toBe(403);
      expect(response.body.error?.code).toBe('forbidden');
    }
    expect(await rows(votes)).toBe(before);
  });

  it('refuses bad input: 400, nothing written', async () => {
    const before = await rows(votes);
    for (const body of [{ choice: 'maybe' }, {}, { choice: 'approve', note: 'x'.repeat(2001) }, { choice: 'approve', extra: 1 }]) {
      const response = await vote(panel.panelists[0]!, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
    expect((await vote(panel.panelists[0]!, { choice: 'approve' }, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect(await rows(votes)).toBe(before);
  });

  it('pushes vote.cast to the panel after commit; the tally shows every vote and note to the panel', async () => {
    // The conflicted panelist was barred, so three reviewers sit: a majority is two approvals.
    const watcher = await openSocket(stack, panel.panelists[1]!, sockets);
    expect(await watcher.emitWithAck('evaluation.watch', { evaluationId: panel.evaluationId })).toMatchObject({ ok: true });
    const pushed = new Promise<{ evaluationId: string; motionId: string }>((resolve) => watcher.once('vote.cast', resolve));
    const response = await vote(panel.panelists[0]!, { choice: 'approve', note: 'Outcomes map well to college algebra.' });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ outcome: 'pending' });
    expect(await pushed).toEqual({ evaluationId: panel.evaluationId, motionId });

    const seen = await decisionOf(panel.panelists[1]!, panel.evaluationId);
    expect(seen.motions[0]?.tally).toMatchObject({ approve: 1, reject: 0, abstain: 0, seated: 3, needed: 2, remaining: 2, outcome: 'pending' });
    expect(seen.motions[0]?.votes).toEqual([
      expect.objectContaining({ voter: expect.objectContaining({ id: panel.panelistIds[0] }), seatRole: 'chair', choice: 'approve', note: 'Outcomes map well to college algebra.' }),
    ]);
    expect(seen.abilities.vote).toBe(true);
  });

  it('refuses a second vote by the same panelist with 409 already_voted, and keeps the first', async () => {
    const before = await rows(votes);
    const response = await vote(panel.panelists[0]!, { choice: 'reject' });
    expect(response.status).toBe(409);
    expect(response.body.error?.code).toBe('already_voted');
    expect(await rows(votes)).toBe(before);
    expect((await decisionOf(panel.panelists[0]!, panel.evaluationId)).myVote?.choice).toBe('approve');
  });

  it('carries the motion once the quorum rule is met, closes it, and refuses later votes with 409 motion_closed', async () => {
    const response = await vote(panel.panelists[1]!, { choice: 'approve' });
    expect(response.body.outcome).toBe('carried');
    const decision = response.body.decision;
    expect(decision.motions[0]).toMatchObject({ status: 'carried', tally: { approve: 2, outcome: 'carried' } });
    expect(decision.motions[0]?.closedAt).not.toBeNull();
    expect(await statusOf(panel.evaluationId)).toBe('voting');

    const late = await vote(panel.panelists[2]!, { choice: 'reject' });
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: 'motion_closed', details: { status: 'carried' } });

    const [carried] = await stack.database.db.select().from(auditEvents).where(and(eq(auditEvents.subjectId, motionId), eq(auditEvents.action, 'motion.carried')));
    expect(carried?.after).toMatchObject({ quorumRule: 'majority_of_seated', tally: { approve: 2, needed: 2 } });
  });

  it('lets only the coordinator finalize the carried motion', async () => {
    const byChair = await panel.panelists[0]!.post(`/api/evaluations/${panel.evaluationId}/transitions`, { action: 'finalize', expectedState: 'voting' });
    expect(byChair.status).toBe(403);
    expect((await decisionOf(panel.coordinator, panel.evaluationId)).abilities.finalize).toBe(true);
    const finalized = await panel.coordinator.post(`/api/evaluations/${panel.evaluationId}/transitions`, { action: 'finalize', expectedState: 'voting' });
    expect(finalized.status).toBe(200);
    expect(await statusOf(panel.evaluationId)).toBe('finalized');
  });
});

describe('a failed motion', () => {
  it('closes as failed and returns the panel to deliberation for a new motion', async () => {
    const panel = await panelInDeliberation(stack);
    const watcher = await openSocket(stack, panel.panelists[2]!, sockets);
    expect(await watcher.emitWithAck('evaluation.watch', { evaluationId: panel.evaluationId })).toMatchObject({ ok: true });
    const changed = new Promise<{ status: string }>((resolve) => watcher.on('motion.changed', (event: { status: string }) => event.status === 'failed' && resolve(event)));
    const failedId = await putAndVote(panel, ['reject', 'abstain']);
    expect((await changed).status).toBe('failed');
    expect(await statusOf(panel.evaluationId)).toBe('deliberation');
    const decision = await decisionOf(panel.panelists[0]!, panel.evaluationId);
    expect(decision.motions[0]).toMatchObject({ id: failedId, status: 'failed', tally: { approve: 0, reject: 1, abstain: 1, outcome: 'failed' } });
    expect(decision.abilities).toMatchObject({ putMotion: true, vote: false });

    const finalize = await panel.coordinator.post(`/api/evaluations/${panel.evaluationId}/transitions`, { action: 'finalize', expectedState: 'deliberation' });
    expect(finalize.status).toBe(409);
    const late = await decisionPost(panel.panelists[2]!, panel.evaluationId, `/motions/${failedId}/votes`, { choice: 'approve' });
    expect(late.body.error?.code).toBe('motion_closed');

    const secondId = await putAndVote(panel, ['approve', 'approve'], sampleMotion({ creditLines: [{ semesterHours: 2, level: 'lower_division', subject: 'Mathematics' }] }));
    const after = await decisionOf(panel.panelists[0]!, panel.evaluationId);
    expect(after.motions.map((motion) => [motion.id, motion.status])).toEqual([
      [secondId, 'carried'],
      [failedId, 'failed'],
    ]);
    const trail = await stack.database.db.select().from(auditEvents).where(eq(auditEvents.subjectId, panel.evaluationId));
    expect(trail.map((event) => event.action)).toEqual(['evaluation.call_vote', 'evaluation.reopen_deliberation', 'evaluation.call_vote']);
  });
});

describe('quorum rules per evaluation', () => {
  it('unanimous: one abstention fails the motion', async () => {
    const panel = await panelInDeliberation(stack, { quorumRule: 'unanimous' });
    await putAndVote(panel, ['approve', 'approve', 'abstain']);
    expect((await decisionOf(panel.coordinator, panel.evaluationId)).motions[0]?.status).toBe('failed');
    expect(await statusOf(panel.evaluationId)).toBe('deliberation');
  });

  it('two thirds of four seated: two approvals stay pending, the third carries', async () => {
    const panel = await panelInDeliberation(stack, { size: 4, quorumRule: 'two_thirds_of_seated' });
    const motionId = await putAndVote(panel, ['approve', 'reject', 'approve']);
    expect((await decisionOf(panel.coordinator, panel.evaluationId)).motions[0]).toMatchObject({ status: 'open', tally: { needed: 3, remaining: 1 } });
    const last = await decisionPost(panel.panelists[3]!, panel.evaluationId, `/motions/${motionId}/votes`, { choice: 'approve' });
    expect(last.body.outcome).toBe('carried');
  });

  it('majority of seated counts abstentions against: approve, abstain, abstain fails', async () => {
    const panel = await panelInDeliberation(stack);
    await putAndVote(panel, ['approve', 'abstain', 'abstain']);
    expect((await decisionOf(panel.coordinator, panel.evaluationId)).motions[0]?.status).toBe('failed');
  });
});

describe('a panelist who declares a conflict during the vote', () => {
  const declare = (client: ApiClient, evaluationId: string) => client.post(`/api/evaluations/${evaluationId}/conflicts`, { reason: 'I advised the course team last year.' });

  it('leaves the vote to the others: their votes may now carry the motion (unanimous, two of three approved)', async () => {
    const panel = await panelInDeliberation(stack, { quorumRule: 'unanimous' });
    const motionId = await putAndVote(panel, ['approve', 'approve']);
    expect((await decisionOf(panel.coordinator, panel.evaluationId)).motions[0]).toMatchObject({ id: motionId, status: 'open' });
    expect((await declare(panel.panelists[2]!, panel.evaluationId)).status).toBe(201);
    expect((await decisionOf(panel.coordinator, panel.evaluationId)).motions[0]).toMatchObject({ id: motionId, status: 'carried' });
    const finalized = await panel.coordinator.post(`/api/evaluations/${panel.evaluationId}/transitions`, { action: 'finalize', expectedState: 'voting' });
    expect(finalized.status, JSON.stringify(finalized.body)).toBe(200);
  });

  it('shows the vote they had cast as not counted while the motion is open', async () => {
    const panel = await panelInDeliberation(stack, { size: 5 });
    const motionId = await putAndVote(panel, ['approve', 'approve']);
    expect((await declare(panel.panelists[1]!, panel.evaluationId)).status).toBe(201);
    const [motion] = (await decisionOf(panel.coordinator, panel.evaluationId)).motions;
    expect(motion).toMatchObject({ id: motionId, status: 'open', tally: { approve: 1, seated: 4, needed: 3 } });
    expect(motion!.votes.map((vote) => [vote.voter.id, vote.counted])).toEqual([
      [panel.panelistIds[0], true],
      [panel.panelistIds[1], false],
    ]);
  });

  it('leaves their vote out of the tally the motion was decided by, and that tally stays as it was decided', async () => {
    const panel = await panelInDeliberation(stack, { size: 4 });
    const motionId = await putAndVote(panel, ['approve', 'approve', 'reject']);
    // Four seated: three approvals needed. The rejecter leaves: three seated, two needed, carried.
    expect((await declare(panel.panelists[2]!, panel.evaluationId)).status).toBe(201);
    const decided = (await decisionOf(panel.coordinator, panel.evaluationId)).motions[0]!;
    expect(decided).toMatchObject({ id: motionId, status: 'carried', tally: { approve: 2, reject: 0, abstain: 0, seated: 3, needed: 2 } });
    expect(decided.votes.map((vote) => [vote.choice, vote.counted])).toEqual([
      ['approve', true],
      ['approve', true],
      ['reject', false],
    ]);
    // Someone leaving after the decision does not rewrite it.
    expect((await declare(panel.panelists[3]!, panel.evaluationId)).status).toBe(201);
    expect((await decisionOf(panel.coordinator, panel.evaluationId)).motions[0]).toEqual(decided);
  });

  it('or fail it, which returns the panel to deliberation (majority, one approve and one reject of three)', async () => {
    const panel = await panelInDeliberation(stack);
    const motionId = await putAndVote(panel, ['approve', 'reject']);
    expect((await declare(panel.panelists[2]!, panel.evaluationId)).status).toBe(201);
    expect((await decisionOf(panel.coordinator, panel.evaluationId)).motions[0]).toMatchObject({ id: motionId, status: 'failed' });
    expect(await statusOf(panel.evaluationId)).toBe('deliberation');
    const trail = await stack.database.db.select().from(auditEvents).where(eq(auditEvents.subjectId, motionId));
    expect(trail.map((event) => event.action)).toEqual(['motion.put', 'vote.cast', 'vote.cast', 'motion.failed']);
  });
});

describe('a panel that lost its quorum to conflicts', () => {
  const declare = (client: ApiClient, evaluationId: string) => client.post(`/api/evaluations/${evaluationId}/conflicts`, { reason: 'I advised the course team last year.' });

  it('cannot put a motion with one of three seats left; the coordinator can withdraw the evaluation', async () => {
    const panel = await panelInDeliberation(stack);
    for (const panelist of panel.panelists.slice(1)) expect((await declare(panelist, panel.evaluationId)).status).toBe(201);
    const put = await decisionPost(panel.panelists[0]!, panel.evaluationId, '/motions', sampleMotion());
    expect(put.status).toBe(409);
    expect(put.body.error).toMatchObject({ code: 'invalid_transition', details: { failures: [{ guard: 'panel_quorum' }] } });
    expect(await statusOf(panel.evaluationId)).toBe('deliberation');
    const withdrawn = await panel.coordinator.post(`/api/evaluations/${panel.evaluationId}/transitions`, { action: 'withdraw', expectedState: 'deliberation' });
    expect(withdrawn.status, JSON.stringify(withdrawn.body)).toBe(200);
  });

  it('cannot finalize a motion that the one panelist left carried', async () => {
    const panel = await panelInDeliberation(stack);
    const motionId = await putAndVote(panel, ['approve']);
    for (const panelist of panel.panelists.slice(1)) expect((await declare(panelist, panel.evaluationId)).status).toBe(201);
    // One seated, one approval: the motion carries by the rule, but the panel has no quorum to decide.
    expect((await decisionOf(panel.coordinator, panel.evaluationId)).motions[0]).toMatchObject({ id: motionId, status: 'carried' });
    const finalize = await panel.coordinator.post<{ error?: unknown }>(`/api/evaluations/${panel.evaluationId}/transitions`, { action: 'finalize', expectedState: 'voting' });
    expect(finalize.status).toBe(409);
    expect(finalize.body.error).toMatchObject({ code: 'invalid_transition', details: { failures: [{ guard: 'panel_quorum' }] } });
    expect(await statusOf(panel.evaluationId)).toBe('voting');
  });
});

describe('reading the decision', () => {
  it('shows it to the panel and coordinators, not to other reviewers', async () => {
    const panel = await panelInDeliberation(stack);
    expect((await panel.panelists[2]!.get(`/api/evaluations/${panel.evaluationId}/decision`)).status).toBe(200);
    expect((await panel.coordinator.get(`/api/evaluations/${panel.evaluationId}/decision`)).status).toBe(200);
    expect((await outsider.get(`/api/evaluations/${panel.evaluationId}/decision`)).status).toBe(403);
    expect((await outsider.get('/api/evaluations/00000000-0000-4000-8000-000000000000/decision')).status).toBe(404);
  });
});
