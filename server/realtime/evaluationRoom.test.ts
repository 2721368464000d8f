import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient, type Socket } from 'socket.io-client';
import { Redis } from 'ioredis';
import { and, count, eq, isNull } from 'drizzle-orm';
import { evaluations, independentReviews, motions, panelSeats, users, votes } from '../db/schema.ts';
import type { DecisionView } from '../../shared/schemas/decision.ts';
import type { EvaluationState } from '../../shared/workflow/evaluation.ts';
import { decisionPost, panelInDeliberation, sampleMotion } from '../../test/support/decisions.ts';
import { buildConflictDeclaration, buildCourse, buildEvaluation, buildReviewBody, buildUser, seatReviewer } from '../../test/support/factories.ts';
import { signedIn, type ApiClient, type ApiResponse } from '../../test/support/http.ts';
import { openPanelWatcher, type PanelWatcher } from '../../test/support/panelEvents.ts';
import { startServerProcess, type ServerProcess } from '../../test/support/processes.ts';
import { startTestStack, type TestStack } from '../../test/support/stack.ts';
import { eventually } from '../../test/support/wait.ts';
import { buildPanel, connectSocket, emitAck } from '../../test/support/documents.ts';

let stack: TestStack;
const sockets: Socket[] = [];
const processes: ServerProcess[] = [];

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await Promise.all(processes.map((server) => server.stop()));
  await stack?.close();
});

/** What the database holds for an evaluation right now: read the moment an event arrives, it shows what was committed before the push. */
async function committedState(evaluationId: string) {
  const db = stack.database.db;
  const [row] = await db.select({ status: evaluations.status }).from(evaluations).where(eq(evaluations.id, evaluationId));
  const [seats] = await db.select({ n: count() }).from(panelSeats).where(and(eq(panelSeats.evaluationId, evaluationId), isNull(panelSeats.removedAt)));
  const [submitted] = await db
    .select({ n: count() })
    .from(independentReviews)
    .where(and(eq(independentReviews.evaluationId, evaluationId), eq(independentReviews.status, 'submitted')));
  const motionRows = await db.select({ status: motions.status }).from(motions).where(eq(motions.evaluationId, evaluationId));
  const [cast] = await db.select({ n: count() }).from(votes).innerJoin(motions, eq(motions.id, votes.motionId)).where(eq(motions.evaluationId, evaluationId));
  return { status: row?.status, seats: seats?.n, submitted: submitted?.n, motions: motionRows.map((motion) => motion.status), votes: cast?.n };
}

const probe = (payload: Record<string, unknown>) => committedState(String(payload.evaluationId));
const signIn = (user: { email: string }) => signedIn(stack.url, user.email);
const watcher = (client: ApiClient, url = stack.url) => openPanelWatcher(url, client, sockets, probe);
/** socket.io-parser's packet types, as they appear on the wire. */
const EVENT_PACKET = 2;
const CONNECT_ERROR_PACKET = 4;
const changed = (evaluationId: string, status: EvaluationState) => ['evaluation.changed', { evaluationId, status }] as [string, Record<string, unknown>];

describe('an evaluation room', () => {
  it('brings a panelist and an observing coordinator every panel event, in order, each after its commit', async () => {
    const db = stack.database.db;
    const course = await buildCourse(db, { title: 'Introduction to Genetics and Evolution', partnerInstitution: 'Duke University' });
    const [coordinatorUser, chairUser, memberUser] = await Promise.all([
      buildUser(db, { role: 'coordinator' }),
      buildUser(db, { role: 'reviewer', name: 'Dr. Rita Okafor' }),
      buildUser(db, { role: 'reviewer', name: 'Dr. Amal Haddad' }),
    ]);
    const id = (await buildEvaluation(db, { courseId: course.id, createdBy: coordinatorUser.id, status: 'panel_forming', panelSize: 2 })).id;
    const [coordinator, chair, member] = await Promise.all([signIn(coordinatorUser), signIn(chairUser), signIn(memberUser)]);
    const observer = await watcher(coordinator);
    const panelist = await watcher(chair);
    expect(await observer.watch(id)).toEqual({ ok: true, data: { evaluationId: id, room: `evaluation:${id}`, status: 'panel_forming' } });
    expect(await panelist.watch(id)).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    const base = `/api/evaluations/${id}`;
    /** Takes one step through REST; both sockets get exactly `events`, and each event's probe saw the step's committed state. */
    async function step<T>(act: () => Promise<ApiResponse<T>>, status: number, events: (body: T) => [string, Record<string, unknown>][]) {
      const from = [observer.received.length, panelist.received.length];
      const response = await act();
      expect(response.status, JSON.stringify(response.body)).toBe(status);
      const expected = events(response.body);
      const committed = await committedState(id);
      for (const [index, socket] of [observer, panelist].entries()) {
        await socket.waitFor(from[index]! + expected.length);
        const fresh = socket.received.slice(from[index]);
        expect(fresh.map(({ event, payload }) => [event, payload])).toEqual(expected);
        for (const event of fresh) expect(await event.seen).toEqual(committed);
      }
      return response.body;
    }
    const panelChanged: [string, Record<string, unknown>][] = [['panel.changed', { evaluationId: id }]];

    // Seated, the chair is told in their own room (they cannot watch yet); from then on they watch.
    await step(() => coordinator.post(`${base}/panel/seats`, { reviewerId: chairUser.id, seatRole: 'chair' }), 201, () => panelChanged);
    expect(await panelist.watch(id)).toMatchObject({ ok: true, data: { status: 'panel_forming' } });
    await step(() => coordinator.post(`${base}/panel/seats`, { reviewerId: memberUser.id, seatRole: 'member' }), 201, () => panelChanged);
    await step(() => coordinator.post(`${base}/transitions`, { action: 'start_review', expectedState: 'panel_forming' }), 200, () => [changed(id, 'independent_review')]);
    await step(() => chair.post(`${base}/reviews/mine/submit`, buildReviewBody()), 200, () => [['review.submitted', { evaluationId: id }]]);
    // The last review starts deliberation in the same commit: the submission first, then the phase.
    await step(() => member.post(`${base}/reviews/mine/submit`, buildReviewBody()), 200, () => [
      ['review.submitted', { evaluationId: id }],
      changed(id, 'deliberation'),
    ]);
    const { motionId } = await step(() => decisionPost(chair, id, '/motions', sampleMotion()), 201, (body) => [
      ['motion.changed', { evaluationId: id, motionId: body.motionId, status: 'open' }],
      changed(id, 'voting'),
    ]);
    const vote = (client: ApiClient) => () => client.post(`${base}/motions/${motionId}/votes`, { choice: 'approve' });
    await step(vote(chair), 201, () => [['vote.cast', { evaluationId: id, motionId }]]);
    await step(vote(member), 201, () => [
      ['vote.cast', { evaluationId: id, motionId }],
      ['motion.changed', { evaluationId: id, motionId, status: 'carried' }],
    ]);
    await step(() => coordinator.post(`${base}/transitions`, { action: 'finalize', expectedState: 'voting' }), 200, () => [changed(id, 'finalized')]);
    await step(() => decisionPost(coordinator, id, '/recommendations', { expectedState: 'finalized' }), 201, () => [changed(id, 'published')]);

    expect(panelist.log()).toEqual(observer.log());
    expect(observer.log().map(([event]) => event)).toEqual([
      'panel.changed',
      'panel.changed',
      'evaluation.changed',
      'review.submitted',
      'review.submitted',
      'evaluation.changed',
      'motion.changed',
      'evaluation.changed',
      'vote.cast',
      'vote.cast',
      'motion.changed',
      'evaluation.changed',
      'evaluation.changed',
    ]);
  });

  it('refuses the unseated, the conflicted, proctors and bad ids with error acks, and joins them to nothing', async () => {
    const panel = await panelInDeliberation(stack);
    const db = stack.database.db;
    const [outsiderUser, conflictedUser, proctorUser] = await Promise.all([
      buildUser(db, { role: 'reviewer' }),
      buildUser(db, { role: 'reviewer' }),
      buildUser(db, { role: 'proctor' }),
    ]);
    await seatReviewer(db, { evaluationId: panel.evaluationId, reviewerId: conflictedUser.id, seatedBy: panel.panelistIds[0]! });
    await buildConflictDeclaration(db, { evaluationId: panel.evaluationId, reviewerId: conflictedUser.id });
    const [outsider, conflicted, proctor] = await Promise.all([outsiderUser, conflictedUser, proctorUser].map(signIn));
    const refused = await Promise.all([outsider!, conflicted!, proctor!].map((client) => watcher(client)));
    for (const socket of refused) {
      const ack = await socket.watch(panel.evaluationId);
      expect(ack).toMatchObject({ ok: false, error: { code: 'forbidden', message: 'You may not see this evaluation.' } });
    }

    const [probeSocket] = refused;
    for (const evaluationId of ['not-an-id', 42, null, '']) {
      expect(await probeSocket!.watch(evaluationId), String(evaluationId)).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    }
    for (const payload of [undefined, {}, { evaluationId: panel.evaluationId, extra: true }]) {
      expect(await probeSocket!.socket.emitWithAck('evaluation.watch', payload)).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    }
    expect(await probeSocket!.watch('00000000-0000-4000-8000-000000000000')).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await probeSocket!.socket.emitWithAck('evaluation.unwatch', { evaluationId: 'nope' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });

    // An event the panel gets does not reach any refused socket.
    const observer = await watcher(panel.coordinator);
    expect(await observer.watch(panel.evaluationId.toUpperCase())).toMatchObject({ ok: true, data: { evaluationId: panel.evaluationId } });
    expect((await decisionPost(panel.panelists[0]!, panel.evaluationId, '/motions', sampleMotion())).status).toBe(201);
    await observer.waitFor(2);
    for (const socket of refused) await socket.roundTrip();
    expect(refused.map((socket) => socket.log())).toEqual([[], [], []]);
  });

  it('does not join a socket whose watch was withdrawn while it was checked (the page left meanwhile)', async () => {
    const panel = await panelInDeliberation(stack);
    const id = panel.evaluationId;
    const [leaving, staying] = [await watcher(panel.panelists[0]!), await watcher(panel.panelists[1]!)];
    expect(await staying.watch(id)).toMatchObject({ ok: true });
    // The unwatch is handled while the watch's checks wait for the database.
    const [watched, unwatched] = await Promise.all([leaving.watch(id), leaving.socket.emitWithAck('evaluation.unwatch', { evaluationId: id })]);
    expect(unwatched).toMatchObject({ ok: true });
    expect(watched).toMatchObject({ ok: false, error: { code: 'conflict', details: { reason: 'unwatched' } } });
    stack.server.app.notify.evaluationChanged(id, 'voting');
    await staying.waitFor(1);
    await leaving.roundTrip();
    expect(leaving.log()).toEqual([]);
    // Watching again works as ever.
    expect(await leaving.watch(id)).toMatchObject({ ok: true });
  });

  it('takes a removed or conflicted reviewer out of the room at once: no event after the commit reaches them', async () => {
    const db = stack.database.db;
    const course = await buildCourse(db);
    const [coordinatorUser, ...reviewerUsers] = await Promise.all([
      buildUser(db, { role: 'coordinator' }),
      ...[0, 1, 2, 3].map(() => buildUser(db, { role: 'reviewer' })),
    ]);
    const id = (await buildEvaluation(db, { courseId: course.id, createdBy: coordinatorUser!.id, status: 'panel_forming', panelSize: 4 })).id;
    const seats = [];
    for (const [index, reviewer] of reviewerUsers.slice(0, 3).entries()) {
      seats.push(await seatReviewer(db, { evaluationId: id, reviewerId: reviewer.id, seatRole: index === 0 ? 'chair' : 'member', seatedBy: coordinatorUser!.id }));
    }
    const [coordinator, stays, removed, declares] = await Promise.all([coordinatorUser!, ...reviewerUsers.slice(0, 3)].map(signIn));
    const [observer, staying, removedSocket, declaring] = await Promise.all([coordinator!, stays!, removed!, declares!].map((client) => watcher(client)));
    for (const socket of [observer!, staying!, removedSocket!, declaring!]) expect(await socket.watch(id)).toMatchObject({ ok: true });

    const unseated = await coordinator!.request('DELETE', `/api/evaluations/${id}/panel/seats/${seats[1]!.id}`);
    expect(unseated.status).toBe(200);
    const declared = await declares!.post(`/api/evaluations/${id}/conflicts`, { reason: 'I co-authored the course textbook.' });
    expect(declared.status).toBe(201);
    const seated = await coordinator!.post(`/api/evaluations/${id}/panel/seats`, { reviewerId: reviewerUsers[3]!.id, seatRole: 'member' });
    expect(seated.status).toBe(201);

    // Both stayers heard all three panel changes; those who lost access heard nothing after it ended.
    await observer!.waitFor(3);
    await staying!.waitFor(3);
    expect(staying!.log()).toEqual(observer!.log());
    expect(observer!.log()).toEqual([0, 1, 2].map(() => ['panel.changed', { evaluationId: id }]));
    await Promise.all([removedSocket!.roundTrip(), declaring!.roundTrip()]);
    expect(removedSocket!.log()).toEqual([['access.revoked', { evaluationId: id, reason: 'seat_removed' }]]);
    // (The declarer was still seated when the first reviewer was removed.)
    expect(declaring!.log()).toEqual([
      ['panel.changed', { evaluationId: id }],
      ['access.revoked', { evaluationId: id, reason: 'conflict_declared' }],
    ]);
    // And they cannot come back in.
    expect(await removedSocket!.watch(id)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await declaring!.watch(id)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });
});

describe('a client that was offline', () => {
  /** A panel in voting whose member watches and has received events (so it holds a recovery offset). */
  async function votingPanel() {
    const panel = await panelInDeliberation(stack);
    const member = await watcher(panel.panelists[2]!);
    expect(await member.watch(panel.evaluationId)).toMatchObject({ ok: true });
    const put = await decisionPost(panel.panelists[0]!, panel.evaluationId, '/motions', sampleMotion());
    expect(put.status).toBe(201);
    await member.waitFor(2);
    return { panel, member, motionId: put.body.motionId! };
  }
  /** `votingPanel` with the member's connection dropped: what its client offers for recovery, and the socket id it had. */
  async function memberAway() {
    const voting = await votingPanel();
    const { _pid: pid, _lastOffset: offset } = voting.member.socket as unknown as { _pid: string; _lastOffset: string };
    const memberSocketId = voting.member.socket.id;
    await voting.member.dropConnection();
    return { ...voting, id: voting.panel.evaluationId, pid, offset, memberSocketId };
  }
  const decisionOf = async (client: ApiClient, evaluationId: string) =>
    (await client.get<{ decision: DecisionView }>(`/api/evaluations/${evaluationId}/decision`)).body.decision;

  /** What Redis holds for a disconnected socket's session, once the server has seen it go (msgpack, as base64). */
  async function savedForRecovery(pid: string): Promise<string> {
    const redis = new Redis(stack.redis.url);
    try {
      return await eventually(async () => (await redis.get(`${stack.queuePrefix}:sio:session:${pid}`)) ?? undefined);
    } finally {
      redis.disconnect();
    }
  }
  /**
   * A client offering a disconnected socket's session id and offset for recovery with `cookie`;
   * `wire` is every Socket.IO packet it receives, before any reaches an event listener.
   */
  function offerRecovery(cookie: string, pid: string, offset: string) {
    const socket = ioClient(stack.url, { transports: ['websocket'], extraHeaders: { cookie }, auth: { pid, offset }, reconnection: false, autoConnect: false });
    sockets.push(socket);
    const wire: { type: number; data?: unknown }[] = [];
    socket.io.on('packet', (packet) => wire.push(packet));
    const outcome = new Promise<'connected' | Error>((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', resolve);
    });
    socket.connect();
    return { socket, wire, outcome };
  }
  it('gets what it missed on reconnect (connection state recovery), and the full resync shows the same state', async () => {
    const { panel, member, motionId } = await votingPanel();
    const id = panel.evaluationId;
    await member.dropConnection();
    for (const voter of panel.panelists.slice(0, 2)) {
      expect((await decisionPost(voter, id, `/motions/${motionId}/votes`, { choice: 'approve' })).status).toBe(201);
    }
    expect((await panel.coordinator.post(`/api/evaluations/${id}/transitions`, { action: 'finalize', expectedState: 'voting' })).status).toBe(200);

    expect(await member.reconnect()).toBe(true);
    await member.waitFor(6);
    expect(member.log().slice(2)).toEqual([
      ['vote.cast', { evaluationId: id, motionId }],
      ['vote.cast', { evaluationId: id, motionId }],
      ['motion.changed', { evaluationId: id, motionId, status: 'carried' }],
      changed(id, 'finalized'),
    ]);
    // The client's resync path: watch again (as on every connect), then refetch.
    expect(await member.watch(id)).toMatchObject({ ok: true, data: { status: 'finalized' } });
    const decision = await decisionOf(panel.panelists[2]!, id);
    expect(decision).toMatchObject({ status: 'finalized', motions: [{ id: motionId, status: 'carried', tally: { approve: 2 } }] });
  });

  it('resyncs by watching again and refetching when its session cannot be recovered', async () => {
    const { panel, member, motionId } = await votingPanel();
    const id = panel.evaluationId;
    member.socket.disconnect(); // a closed tab: nothing kept for recovery
    expect((await decisionPost(panel.panelists[0]!, id, `/motions/${motionId}/votes`, { choice: 'reject' })).status).toBe(201);
    expect((await decisionPost(panel.panelists[1]!, id, `/motions/${motionId}/votes`, { choice: 'reject' })).status).toBe(201);

    const fresh = await watcher(panel.panelists[2]!);
    expect(fresh.socket.recovered).toBe(false);
    expect(await fresh.watch(id)).toMatchObject({ ok: true, data: { status: 'deliberation' } });
    const decision = await decisionOf(panel.panelists[2]!, id);
    expect(decision).toMatchObject({ status: 'deliberation', motions: [{ id: motionId, status: 'failed', tally: { reject: 2 } }] });
    // From here on it is live again.
    expect((await decisionPost(panel.panelists[0]!, id, '/motions', sampleMotion())).status).toBe(201);
    await fresh.waitFor(2);
    expect(fresh.log().map(([event]) => event)).toEqual(['motion.changed', 'evaluation.changed']);
  });

  it('keeps only who it was for recovery, and a recovery offered with another user\'s cookie restores none of its rooms', async () => {
    const { panel, motionId, id, pid, offset, memberSocketId } = await memberAway();

    // What Redis holds for the disconnected socket names its user, and no CSRF token or session hash.
    const text = Buffer.from(await savedForRecovery(pid), 'base64').toString('latin1');
    expect(text).toContain(panel.panelistIds[2]!);
    expect(panel.panelists[2]!.csrfToken).not.toBe('');
    expect(text).not.toContain(panel.panelists[2]!.csrfToken);
    expect(text).not.toContain('csrfToken');
    expect(text).not.toContain('tokenHash');

    // A vote the member misses while away.
    expect((await decisionPost(panel.panelists[1]!, id, `/motions/${motionId}/votes`, { choice: 'reject' })).status).toBe(201);

    // Someone else offers that session id with their own cookie: they get a connection, not the panel's room.
    const outsiderUser = await buildUser(stack.database.db, { role: 'reviewer' });
    const outsider = await signIn(outsiderUser);
    const { socket: replay, wire, outcome } = offerRecovery(outsider.cookie, pid, offset);
    const heard: string[] = [];
    replay.onAny((event: string) => heard.push(event));
    expect(await outcome).toBe('connected');
    // Nor the vote it missed: not even on the wire before the connection was confirmed.
    expect(wire.filter((packet) => packet.type === EVENT_PACKET)).toEqual([]);
    // The server did restore the session (the socket came back under the member's socket id)…
    expect(replay.id).toBe(memberSocketId);
    const observer = await watcher(panel.coordinator);
    expect(await observer.watch(id)).toMatchObject({ ok: true });
    expect((await decisionPost(panel.panelists[0]!, id, `/motions/${motionId}/votes`, { choice: 'approve' })).status).toBe(201);
    await observer.waitFor(1);
    // …but without the panel's room: the vote reached the observer, not the outsider.
    expect(await replay.emitWithAck('evaluation.watch', { evaluationId: id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(heard).toEqual([]);
  });

  it('gets none of what it missed when it comes back signed out', async () => {
    const { panel, motionId, id, pid, offset } = await memberAway();
    expect((await decisionPost(panel.panelists[0]!, id, `/motions/${motionId}/votes`, { choice: 'approve' })).status).toBe(201);
    const memberClient = panel.panelists[2]!;
    const staleCookie = memberClient.cookie;
    expect((await memberClient.post('/api/auth/logout')).status).toBe(200);
    await savedForRecovery(pid); // so the server will restore it

    const { wire, outcome } = offerRecovery(staleCookie, pid, offset);
    expect(await outcome).toMatchObject({ message: 'unauthenticated' });
    // Socket.IO restores the session before any middleware runs; the missed vote stays held back.
    expect(wire.map((packet) => packet.type)).toEqual([CONNECT_ERROR_PACKET]);
  });

  it('comes back as a fresh connection, told to start over, when its user\'s role changed while it was away', async () => {
    const panel = await panelInDeliberation(stack);
    const id = panel.evaluationId;
    const away = await watcher(panel.coordinator);
    expect(await away.watch(id)).toMatchObject({ ok: true });
    expect(await away.socket.emitWithAck('dashboard.watch', {})).toMatchObject({ ok: true });
    expect((await decisionPost(panel.panelists[0]!, id, '/motions', sampleMotion())).status).toBe(201);
    await away.waitFor(2);
    const { _pid: pid, _lastOffset: offset } = away.socket as unknown as { _pid: string; _lastOffset: string };
    await away.dropConnection();
    await savedForRecovery(pid);

    // Demoted to reviewer while away (rooms rechecked on restoring were judged for the coordinator
    // it was: the dashboard's and this evaluation's), and events of both rooms missed meanwhile.
    const coordinatorId = (await panel.coordinator.get<{ user: { id: string } }>('/api/auth/session')).body.user.id;
    await stack.database.db.update(users).set({ role: 'reviewer' }).where(eq(users.id, coordinatorId));
    stack.server.app.notify.evaluationChanged(id, 'voting');

    const back = offerRecovery(panel.coordinator.cookie, pid, offset);
    const heard: unknown[][] = [];
    back.socket.onAny((...args: unknown[]) => heard.push(args));
    const disconnected = new Promise<string>((resolve) => back.socket.once('disconnect', resolve));
    expect(await back.outcome).toBe('connected');
    // Told to start over (the page was loaded for a coordinator) and let go, with none of what it missed.
    expect(await disconnected).toBe('io server disconnect');
    expect(heard).toEqual([['session.ended', { reason: 'role_changed' }]]);
    expect(back.wire.filter((packet) => packet.type === EVENT_PACKET).map((packet) => (packet.data as unknown[])[0])).toEqual(['session.ended']);
  });

  it('comes back under a new sign-in of the same user with what it missed, but not the old session\'s end', async () => {
    const { panel, motionId, id, pid, offset, memberSocketId } = await memberAway();
    // Signed out in another tab (the old session's sockets are told), then signed in again there.
    expect((await panel.panelists[2]!.post('/api/auth/logout')).status).toBe(200);
    expect((await decisionPost(panel.panelists[0]!, id, `/motions/${motionId}/votes`, { choice: 'approve' })).status).toBe(201);
    const [user] = await stack.database.db.select({ email: users.email }).from(users).where(eq(users.id, panel.panelistIds[2]!));
    const again = await signIn(user!);
    await savedForRecovery(pid);

    const back = offerRecovery(again.cookie, pid, offset);
    const heard: unknown[][] = [];
    back.socket.onAny((...args: unknown[]) => heard.push(args));
    expect(await back.outcome).toBe('connected');
    expect(back.socket.id).toBe(memberSocketId); // restored (a fresh client does not set `recovered`)
    await back.socket.emitWithAck('evaluation.unwatch', { evaluationId: '00000000-0000-4000-8000-000000000000' });
    // The vote it missed (with its stream offset), and not the end of the session it no longer uses (the page would sign out).
    expect(heard.map((args) => args.slice(0, 2))).toEqual([['vote.cast', { evaluationId: id, motionId }]]);
    expect(back.socket.connected).toBe(true);
  });

  it('comes back without the room when its access ended while it was away', async () => {
    const db = stack.database.db;
    const course = await buildCourse(db);
    const [coordinatorUser, ...reviewerUsers] = await Promise.all([buildUser(db, { role: 'coordinator' }), ...[0, 1, 2].map(() => buildUser(db, { role: 'reviewer' }))]);
    const id = (await buildEvaluation(db, { courseId: course.id, createdBy: coordinatorUser!.id, status: 'panel_forming', panelSize: 3 })).id;
    const seat = await seatReviewer(db, { evaluationId: id, reviewerId: reviewerUsers[0]!.id, seatRole: 'chair', seatedBy: coordinatorUser!.id });
    const [coordinator, leaving] = await Promise.all([signIn(coordinatorUser!), signIn(reviewerUsers[0]!)]);
    const [observer, away] = await Promise.all([watcher(coordinator), watcher(leaving)]);
    for (const socket of [observer, away]) expect(await socket.watch(id)).toMatchObject({ ok: true });
    const seatAnother = async (index: number) =>
      expect((await coordinator.post(`/api/evaluations/${id}/panel/seats`, { reviewerId: reviewerUsers[index]!.id, seatRole: 'member' })).status).toBe(201);
    await seatAnother(1);
    await away.waitFor(1); // holds an offset now

    await away.dropConnection();
    expect((await coordinator.request('DELETE', `/api/evaluations/${id}/panel/seats/${seat.id}`)).status).toBe(200);
    await seatAnother(2);
    await observer.waitFor(3);
    expect(await away.reconnect()).toBe(true);
    await away.waitFor(2);
    // It learns that its access ended, but none of the panel's events after that.
    await away.roundTrip();
    expect(away.log()).toEqual([
      ['panel.changed', { evaluationId: id }],
      ['access.revoked', { evaluationId: id, reason: 'seat_removed' }],
    ]);
    expect((await coordinator.post(`/api/evaluations/${id}/transitions`, { action: 'withdraw', expectedState: 'panel_forming' })).status).toBe(200);
    await observer.waitFor(4);
    await away.roundTrip();
    expect(away.log()).toHaveLength(2);
  });
});

describe('an evaluation room across two server processes', () => {
  it('brings a panelist on process B the votes cast through process A, and drops a conflicted one on B at once', async () => {
    const processB = await startServerProcess(stack);
    processes.push(processB);
    const panel = await panelInDeliberation(stack);
    const id = panel.evaluationId;
    const [chair, expert, member] = panel.panelists as [ApiClient, ApiClient, ApiClient];
    const onA = await watcher(panel.coordinator);
    const [observerOnB, expertOnB, memberOnB] = await Promise.all([panel.coordinator, expert, member].map((client) => watcher(client, processB.url)));
    const all: PanelWatcher[] = [onA, observerOnB!, expertOnB!, memberOnB!];
    for (const socket of all) expect(await socket.watch(id)).toMatchObject({ ok: true });

    const put = await decisionPost(chair, id, '/motions', sampleMotion());
    const motionId = put.body.motionId!;
    expect((await decisionPost(chair, id, `/motions/${motionId}/votes`, { choice: 'approve' })).status).toBe(201);
    for (const socket of all) await socket.waitFor(3);
    expect(expertOnB!.log()).toEqual(onA.log());
    expect(expertOnB!.log()[2]).toEqual(['vote.cast', { evaluationId: id, motionId }]);
    expect(await expertOnB!.received[2]!.seen).toMatchObject({ status: 'voting', votes: 1 });

    // The member, connected to B, declares a conflict through A: B takes its socket out of the room.
    expect((await member.post(`/api/evaluations/${id}/conflicts`, { reason: 'I reviewed for the course team.' })).status).toBe(201);
    expect((await decisionPost(expert, id, `/motions/${motionId}/votes`, { choice: 'approve' })).status).toBe(201);
    await observerOnB!.waitFor(6);
    expect(observerOnB!.log().slice(3)).toEqual([
      ['panel.changed', { evaluationId: id }],
      ['vote.cast', { evaluationId: id, motionId }],
      ['motion.changed', { evaluationId: id, motionId, status: 'carried' }],
    ]);
    await memberOnB!.roundTrip();
    expect(memberOnB!.log().slice(3)).toEqual([['access.revoked', { evaluationId: id, reason: 'conflict_declared' }]]);
  }, 120_000);

  it('takes a socket out of the room when a watch is refused, even one that was in it (as recovery puts it back)', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const socket = await connectSocket(stack.url, panel.reviewers[0]!.cookie);
    sockets.push(socket as unknown as Socket);
    expect((await emitAck(socket, 'evaluation.watch', { evaluationId: panel.evaluation.id })).ok).toBe(true);
    const heard: string[] = [];
    socket.onAny((event: string) => heard.push(event));
    // The seat goes behind the commands' back (nothing tells the room); watching again is refused…
    await stack.database.db.update(panelSeats).set({ removedAt: new Date() }).where(eq(panelSeats.id, panel.reviewers[0]!.seat.id));
    expect(await emitAck(socket, 'evaluation.watch', { evaluationId: panel.evaluation.id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    // …and the socket is out of the room: a panel event no longer reaches it.
    const observer = await connectSocket(stack.url, panel.coordinator.cookie);
    sockets.push(observer as unknown as Socket);
    expect((await emitAck(observer, 'evaluation.watch', { evaluationId: panel.evaluation.id })).ok).toBe(true);
    const observed = new Promise((resolveEvent) => observer.once('evaluation.changed', resolveEvent));
    stack.server.app.notify.evaluationChanged(panel.evaluation.id, 'deliberation');
    await observed;
    expect(heard).toEqual([]);
  });
});
