import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { documentLimits, type DocRevokedEvent } from '../../../shared/realtime/documents.ts';
import { conflictDeclarations, documentUpdates, evaluations, panelSeats } from '../../db/schema.ts';
import { buildPanel, connectSocket, emitAck, openProvider, storeLongLog, textEdit } from '../../../test/support/documents.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';
import { ApiClient } from '../../../test/support/http.ts';
import { eventually } from '../../../test/support/wait.ts';
import { revokeDocumentAccess } from './access.ts';
import { buildDoc, loadStoredDocument } from './persistence.ts';

let stack: TestStack;
const sockets: { disconnect: () => unknown }[] = [];

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  sockets.forEach((socket) => socket.disconnect());
  await stack.close();
});

async function socketFor(cookie: string) {
  const socket = await connectSocket(stack.url, cookie);
  sockets.push(socket);
  return socket;
}

const storedRows = (documentId: string) => stack.database.db.select().from(documentUpdates).where(eq(documentUpdates.documentId, documentId));

describe('document access (shared policy, checked on every update)', () => {
  it('refuses to let in anyone who is not seated, is conflicted, or comes in the wrong phase', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 2 });
    const outsider = await panel.signIn('reviewer');
    const proctor = await panel.signIn('proctor');
    for (const member of [outsider, proctor]) {
      const refused = await emitAck(await socketFor(member.cookie), 'doc.join', { documentId: panel.documentId });
      expect(refused).toEqual({ ok: false, error: { code: 'forbidden', message: 'You may not open this worksheet.', details: { action: 'worksheet.read' } } });
    }

    const conflicted = panel.reviewers[1]!;
    await stack.database.db.insert(conflictDeclarations).values({ evaluationId: panel.evaluation.id, reviewerId: conflicted.user.id, reason: 'I co-authored the course.' });
    expect(await emitAck(await socketFor(conflicted.cookie), 'doc.join', { documentId: panel.documentId })).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    const early = await buildPanel(stack.database.db, stack.url, { status: 'independent_review', reviewers: 1 });
    expect(await emitAck(await socketFor(early.reviewers[0]!.cookie), 'doc.join', { documentId: early.documentId })).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    const missing = await emitAck(await socketFor(panel.reviewers[0]!.cookie), 'doc.join', { documentId: 'worksheet:00000000-0000-4000-8000-000000000000' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const malformed = await emitAck(await socketFor(panel.reviewers[0]!.cookie), 'doc.join', { documentId: 'notes:../../etc' });
    expect(malformed).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
  });

  it('lets a coordinator observe read-only: a write is refused with an error ack and nothing is stored', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const observer = await socketFor(panel.coordinator.cookie);
    const joined = await emitAck(observer, 'doc.join', { documentId: panel.documentId });
    expect(joined).toMatchObject({ ok: true, data: { canWrite: false } });
    const refused = await emitAck(observer, 'doc.update', { documentId: panel.documentId, sync: textEdit('observer text').sync, clientUpdateId: 'o1' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden', message: 'You may not edit this worksheet.' } });
    expect(await storedRows(panel.documentId)).toHaveLength(0);

    // Sending to a document one never joined is refused too.
    const stranger = await socketFor(panel.reviewers[0]!.cookie);
    const unjoined = await emitAck(stranger, 'doc.update', { documentId: panel.documentId, sync: textEdit('x').sync, clientUpdateId: 'x1' });
    expect(unjoined).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await storedRows(panel.documentId)).toHaveLength(0);
  });

  it('stops writes when the phase moves on, while the panel can still read', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const reviewer = await socketFor(panel.reviewers[0]!.cookie);
    expect(await emitAck(reviewer, 'doc.join', { documentId: panel.documentId })).toMatchObject({ ok: true, data: { canWrite: true } });
    await stack.database.db.update(evaluations).set({ status: 'finalized' }).where(eq(evaluations.id, panel.evaluation.id));
    // What every phase-changing command does after its commit.
    await revokeDocumentAccess(stack.server.app, panel.evaluation.id);
    const refused = await emitAck(reviewer, 'doc.update', { documentId: panel.documentId, sync: textEdit('late').sync, clientUpdateId: 'l1' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await storedRows(panel.documentId)).toHaveLength(0);
    expect(await emitAck(reviewer, 'doc.join', { documentId: panel.documentId })).toMatchObject({ ok: true, data: { canWrite: false } });
  });

  it('takes an unseated reviewer out of the room at once and refuses their further updates', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 2 });
    const [removed, staying] = [panel.reviewers[0]!, panel.reviewers[1]!];
    const removedSocket = await socketFor(removed.cookie);
    const stayingSocket = await socketFor(staying.cookie);
    for (const socket of [removedSocket, stayingSocket]) expect((await emitAck(socket, 'doc.join', { documentId: panel.documentId })).ok).toBe(true);
    const revoked: DocRevokedEvent[] = [];
    removedSocket.on('doc.revoked', (event) => revoked.push(event));
    const leakedToRemoved: unknown[] = [];
    removedSocket.on('doc.update', (event) => leakedToRemoved.push(event));

    await stack.database.db.update(panelSeats).set({ removedAt: new Date() }).where(eq(panelSeats.id, removed.seat.id));
    expect(await revokeDocumentAccess(stack.server.app, panel.evaluation.id)).toBe(1);
    await eventually(() => revoked.length === 1 || undefined);
    expect(revoked[0]).toMatchObject({ documentId: panel.documentId, code: 'forbidden' });

    const after = await emitAck(removedSocket, 'doc.update', { documentId: panel.documentId, sync: textEdit('after removal').sync, clientUpdateId: 'r1' });
    expect(after.ok).toBe(false);
    expect(await emitAck(removedSocket, 'doc.join', { documentId: panel.documentId })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    // The panel goes on without them, and they hear none of it.
    expect(await emitAck(stayingSocket, 'doc.update', { documentId: panel.documentId, sync: textEdit('carry on').sync, clientUpdateId: 's1' })).toMatchObject({ ok: true });
    expect(await storedRows(panel.documentId)).toHaveLength(1);
    expect(leakedToRemoved).toHaveLength(0);
  });

  it('refuses a join whose seat is removed while the worksheet is still loading', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    // A long update log, so that reading the worksheet takes a while.
    await storeLongLog(stack.database.db, panel.documentId);
    const socket = await socketFor(panel.reviewers[0]!.cookie);
    const leaked: unknown[] = [];
    socket.on('doc.update', (event) => leaked.push(event));

    const joining = emitAck(socket, 'doc.join', { documentId: panel.documentId });
    // Authorized, and loading: now the seat goes, and the re-check (as another process's removal
    // reaches this one) finds nobody in the room yet.
    await eventually(() => stack.server.app.documents!.loadingIds.includes(panel.documentId) || undefined, 2000, 1);
    const removal = stack.database.db.update(panelSeats).set({ removedAt: new Date() }).where(eq(panelSeats.id, panel.reviewers[0]!.seat.id));
    const rechecked = stack.server.app.documents!.recheckAccess(panel.evaluation.id);
    await removal;
    expect(await rechecked).toBe(0);

    expect(await joining).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(leaked).toHaveLength(0);
  });

  it('evicts a reviewer at once when they declare a conflict through the API', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const socket = await socketFor(panel.reviewers[0]!.cookie);
    expect((await emitAck(socket, 'doc.join', { documentId: panel.documentId })).ok).toBe(true);
    expect((await emitAck(socket, 'doc.update', { documentId: panel.documentId, sync: textEdit('before').sync, clientUpdateId: 'b1' })).ok).toBe(true);
    const revoked: DocRevokedEvent[] = [];
    socket.on('doc.revoked', (event) => revoked.push(event));
    const client = new ApiClient(stack.url);
    client.cookie = panel.reviewers[0]!.cookie;
    client.csrfToken = (await client.get<{ csrfToken: string }>('/api/auth/session')).body.csrfToken;
    expect((await client.post(`/api/evaluations/${panel.evaluation.id}/conflicts`, { reason: 'Former colleague of the author.' })).status).toBe(201);

    await eventually(() => revoked.length === 1 || undefined);
    // Out of the room: an update is refused, and so is joining again.
    expect((await emitAck(socket, 'doc.update', { documentId: panel.documentId, sync: textEdit('conflicted').sync, clientUpdateId: 'c1' })).ok).toBe(false);
    expect(await emitAck(socket, 'doc.join', { documentId: panel.documentId })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await storedRows(panel.documentId)).toHaveLength(1);
  });

  it('still finds out, within DOC_ACCESS_TTL_MS, about a conflict written behind the commands\' back', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const socket = await socketFor(panel.reviewers[0]!.cookie);
    expect((await emitAck(socket, 'doc.join', { documentId: panel.documentId })).ok).toBe(true);
    expect((await emitAck(socket, 'doc.update', { documentId: panel.documentId, sync: textEdit('warm the cache').sync, clientUpdateId: 'w1' })).ok).toBe(true);
    const revoked: DocRevokedEvent[] = [];
    socket.on('doc.revoked', (event) => revoked.push(event));
    await stack.database.db.insert(conflictDeclarations).values({ evaluationId: panel.evaluation.id, reviewerId: panel.reviewers[0]!.user.id, reason: 'Former colleague of the author.' });

    let attempt = 0;
    const refused = await eventually(async () => {
      const ack = await emitAck(socket, 'doc.update', { documentId: panel.documentId, sync: textEdit(`try ${++attempt}`).sync, clientUpdateId: `t${attempt}` });
      return ack.ok ? undefined : ack;
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    await eventually(() => revoked.length === 1 || undefined);
  });
});

describe('document access while the database does not answer', () => {
  /** Policy facts cannot be read (the seats table is away) while `during` runs; restored even when it fails. */
  async function withSeatsUnreadable<T>(during: () => Promise<T>): Promise<T> {
    await stack.database.db.execute(sql`alter table panel_seats rename to panel_seats_away`);
    try {
      return await during();
    } finally {
      await stack.database.db.execute(sql`alter table panel_seats_away rename to panel_seats`);
    }
  }

  it('keeps naming the refusal that made a copy diverge when a re-check later cannot decide', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const writer = await openProvider(stack.url, panel.reviewers[0]!.cookie, panel.documentId);
    sockets.push({ disconnect: writer.close });
    writer.provider.doc.getText('pasted').insert(0, 'p'.repeat(documentLimits.maxUpdateBytes + 10));
    await eventually(() => writer.provider.diverged || undefined);
    await withSeatsUnreadable(async () => {
      await expect(revokeDocumentAccess(stack.server.app, panel.evaluation.id)).rejects.toThrow();
      await eventually(() => writer.provider.lastError?.code === 'unavailable' || undefined);
    });
    // The page names the paste (divergedBy), not the last thing the server said.
    expect(writer.provider.divergedBy).toMatchObject({ code: 'payload_too_large' });
  });

  it('takes nobody out for good: a re-check that cannot decide sends the panel to join again, and their edits are saved once it can', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 2 });
    const alice = await openProvider(stack.url, panel.reviewers[0]!.cookie, panel.documentId);
    const bob = await socketFor(panel.reviewers[1]!.cookie);
    sockets.push({ disconnect: alice.close });
    expect((await emitAck(bob, 'doc.join', { documentId: panel.documentId })).ok).toBe(true);
    const toBob: DocRevokedEvent[] = [];
    bob.on('doc.revoked', (event) => toBob.push(event));
    const notes = alice.provider.doc.getText('notes');

    await withSeatsUnreadable(async () => {
      // A seat change elsewhere asks for a re-check; it cannot decide, so nobody stays in on stale facts.
      await expect(revokeDocumentAccess(stack.server.app, panel.evaluation.id)).rejects.toThrow();
      await eventually(() => toBob.length === 1 || undefined);
      expect(toBob[0]).toMatchObject({ code: 'unavailable' });
      expect(toBob[0]!.message).not.toMatch(/panel_seats/);
      await eventually(() => alice.provider.status === 'offline' || undefined);
      notes.insert(0, 'written while the database was away');
      // Joining again is refused as undecided, not forbidden: the provider keeps trying.
      expect(await emitAck(bob, 'doc.join', { documentId: panel.documentId })).toMatchObject({ ok: false, error: { code: 'unavailable' } });
      expect(alice.provider.revoked).toBeNull();
      expect(alice.provider.lastError).toMatchObject({ code: 'unavailable' });
    });

    await eventually(() => alice.provider.status === 'saved' || undefined);
    expect(alice.provider.revoked).toBeNull();
    expect(alice.provider.diverged).toBe(false);
    const stored = await loadStoredDocument(stack.database.db, panel.documentId);
    expect(buildDoc(stored.updates).getText('notes').toString()).toBe('written while the database was away');
    expect(await emitAck(bob, 'doc.join', { documentId: panel.documentId })).toMatchObject({ ok: true, data: { canWrite: true } });
  });

  it('saves an edit that crossed the server taking its writer out: it goes again with the next join', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const alice = await openProvider(stack.url, panel.reviewers[0]!.cookie, panel.documentId);
    sockets.push({ disconnect: alice.close });
    // Alice does not hear of it before her next edit: that edit reaches a server that has her out of the room.
    alice.socket.off('doc.revoked');
    const refusals: string[] = [];
    alice.provider.subscribe(() => {
      if (alice.provider.lastError && refusals.at(-1) !== alice.provider.lastError.code) refusals.push(alice.provider.lastError.code);
    });
    await withSeatsUnreadable(async () => {
      await expect(revokeDocumentAccess(stack.server.app, panel.evaluation.id)).rejects.toThrow();
      alice.provider.doc.getText('notes').insert(0, 'sent as the server took me out');
      await eventually(() => refusals.includes('bad_request') || undefined);
      // Not refused for good (nothing was wrong with the edit): the provider joins again.
      expect(alice.provider.diverged).toBe(false);
    });
    await eventually(() => alice.provider.status === 'saved' || undefined);
    expect(alice.provider.diverged).toBe(false);
    const stored = await loadStoredDocument(stack.database.db, panel.documentId);
    expect(buildDoc(stored.updates).getText('notes').toString()).toBe('sent as the server took me out');
  });

  it('refuses an update it cannot check as unavailable, keeping the writer in the room', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const socket = await socketFor(panel.reviewers[0]!.cookie);
    expect((await emitAck(socket, 'doc.join', { documentId: panel.documentId })).ok).toBe(true);
    const revoked: DocRevokedEvent[] = [];
    socket.on('doc.revoked', (event) => revoked.push(event));

    await withSeatsUnreadable(async () => {
      // The cached facts are gone (as after any access change), and fresh ones cannot be read.
      stack.server.app.documents!.subjects.invalidate(panel.evaluation.id);
      const refused = await emitAck(socket, 'doc.update', { documentId: panel.documentId, sync: textEdit('unchecked').sync, clientUpdateId: 'u1' });
      expect(refused).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    });
    expect(await storedRows(panel.documentId)).toHaveLength(0);
    expect(revoked).toEqual([]);
    // Still in the room: the same update goes in once the database answers.
    expect(await emitAck(socket, 'doc.update', { documentId: panel.documentId, sync: textEdit('unchecked').sync, clientUpdateId: 'u1' })).toMatchObject({ ok: true });
    expect(await storedRows(panel.documentId)).toHaveLength(1);
  });
});
