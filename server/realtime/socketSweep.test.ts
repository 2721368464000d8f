import { eq } from 'drizzle-orm';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentSocket } from '../../app/lib/realtime/worksheet/provider.ts';
import { buildPanel, connectSocket, emitAck } from '../../test/support/documents.ts';
import { startTestStack, type TestStack } from '../../test/support/stack.ts';
import { eventually } from '../../test/support/wait.ts';
import { SESSION_COOKIE } from '../auth/cookie.ts';
import { hashToken } from '../auth/sessions.ts';
import { panelSeats, sessions, users } from '../db/schema.ts';

let stack: TestStack;
const sockets: DocumentSocket[] = [];

beforeAll(async () => {
  stack = await startTestStack({ env: { SOCKET_RECHECK_MS: '200' } });
});
afterAll(async () => {
  sockets.forEach((socket) => socket.disconnect());
  await stack.close();
});

/** A socket watching the panel's evaluation, recording what it hears. */
async function watching(cookie: string, evaluationId: string) {
  const socket = await connectSocket(stack.url, cookie);
  sockets.push(socket);
  expect((await emitAck(socket, 'evaluation.watch', { evaluationId })).ok).toBe(true);
  const heard: [string, unknown][] = [];
  socket.onAny((event: string, payload: unknown) => heard.push([event, payload]));
  const disconnected = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
  return { socket, heard, disconnected };
}

const tokenHashOf = (cookie: string) => hashToken(cookie.split(';')[0]!.split('=').slice(1).join('='));

describe('the periodic socket re-check', () => {
  it('tells and disconnects a socket whose session expired, and one whose user was disabled', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 2 });
    const [expiring, disabled] = panel.reviewers;
    expect(expiring!.cookie.startsWith(`${SESSION_COOKIE}=`)).toBe(true);
    const [first, second] = [await watching(expiring!.cookie, panel.evaluation.id), await watching(disabled!.cookie, panel.evaluation.id)];
    const staying = await watching(panel.coordinator.cookie, panel.evaluation.id);

    await stack.database.db.update(sessions).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(sessions.tokenHash, tokenHashOf(expiring!.cookie)));
    await stack.database.db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, disabled!.user.id));
    for (const watcher of [first, second]) {
      expect(await watcher.disconnected).toBe('io server disconnect');
      expect(watcher.heard).toContainEqual(['session.ended', { reason: 'expired' }]);
    }
    // Nobody else is touched, and what happens next reaches only them.
    stack.server.app.notify.evaluationChanged(panel.evaluation.id, 'deliberation');
    await eventually(() => staying.heard.some(([event]) => event === 'evaluation.changed') || undefined);
    expect(staying.socket.connected).toBe(true);
  });

  it('ends a socket whose user\'s role changed since its handshake (the page starts over under the new role)', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const demoted = await watching(panel.coordinator.cookie, panel.evaluation.id);
    const staying = await watching(panel.reviewers[0]!.cookie, panel.evaluation.id);
    await stack.database.db.update(users).set({ role: 'reviewer' }).where(eq(users.id, panel.coordinator.user.id));
    expect(await demoted.disconnected).toBe('io server disconnect');
    expect(demoted.heard).toContainEqual(['session.ended', { reason: 'role_changed' }]);
    // Signed in still: a new connection is who they are now, and no longer watches what a coordinator may.
    const again = await connectSocket(stack.url, panel.coordinator.cookie);
    sockets.push(again);
    expect(await emitAck(again, 'dashboard.watch', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(staying.socket.connected).toBe(true);
  });

  it('ends a connection made for a page loaded under a role its user no longer has (the role changed while the page was offline)', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    await stack.database.db.update(users).set({ role: 'reviewer' }).where(eq(users.id, panel.coordinator.user.id));
    const connectAs = (auth: Record<string, unknown>) => {
      const socket = io(stack.url, { transports: ['websocket'], extraHeaders: { cookie: panel.coordinator.cookie }, auth, reconnection: false });
      sockets.push(socket);
      const heard: [string, unknown][] = [];
      socket.onAny((event: string, payload: unknown) => heard.push([event, payload]));
      const outcome = new Promise<'connected' | Error>((resolve) => {
        socket.once('connect', () => resolve('connected'));
        socket.once('connect_error', resolve);
      });
      const disconnected = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
      return { socket, heard, outcome, disconnected };
    };

    // The page believes its user a coordinator: told to start over, and let go.
    const stale = connectAs({ pageRole: 'coordinator' });
    expect(await stale.outcome).toBe('connected');
    expect(await stale.disconnected).toBe('io server disconnect');
    expect(stale.heard).toEqual([['session.ended', { reason: 'role_changed' }]]);
    // A page loaded under the role they have now, or one that names none (told already), stays.
    for (const auth of [{ pageRole: 'reviewer' }, {}]) {
      const current = connectAs(auth);
      expect(await current.outcome).toBe('connected');
      expect(await emitAck(current.socket as DocumentSocket, 'evaluation.unwatch', { evaluationId: panel.evaluation.id })).toMatchObject({ ok: true });
      expect(current.socket.connected).toBe(true);
      expect(current.heard).toEqual([]);
    }
    // A page loaded under a role the console no longer has starts over too; a claim that is not a name is refused, as malformed.
    const renamed = connectAs({ pageRole: 'panel_secretary' });
    expect(await renamed.outcome).toBe('connected');
    expect(await renamed.disconnected).toBe('io server disconnect');
    expect(renamed.heard).toEqual([['session.ended', { reason: 'role_changed' }]]);
    const malformed = connectAs({ pageRole: 42 });
    expect(await malformed.outcome).toMatchObject({ message: 'validation_failed', data: { code: 'validation_failed' } });
  });

  it('takes a socket out of an evaluation room its user may no longer read, even when the change was made behind the commands\' back', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 2 });
    const [removed, seated] = panel.reviewers;
    const [gone, kept] = [await watching(removed!.cookie, panel.evaluation.id), await watching(seated!.cookie, panel.evaluation.id)];

    await stack.database.db.update(panelSeats).set({ removedAt: new Date() }).where(eq(panelSeats.id, removed!.seat.id));
    await eventually(() => gone.heard.some(([event]) => event === 'access.revoked') || undefined);
    expect(gone.heard).toContainEqual(['access.revoked', { evaluationId: panel.evaluation.id, reason: 'access_lost' }]);

    stack.server.app.notify.evaluationChanged(panel.evaluation.id, 'deliberation');
    await eventually(() => kept.heard.some(([event]) => event === 'evaluation.changed') || undefined);
    expect(gone.heard.filter(([event]) => event === 'evaluation.changed')).toEqual([]);
    // Still connected (the session is fine), and watching again is refused.
    expect(gone.socket.connected).toBe(true);
    expect(await emitAck(gone.socket, 'evaluation.watch', { evaluationId: panel.evaluation.id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });
});

describe('the socket handshake', () => {
  it('refuses a browser connecting from another origin, and lets its own origin and non-browser clients in', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const { cookie } = panel.reviewers[0]!;
    const attempt = (origin?: string) =>
      new Promise<string>((resolve) => {
        const socket = io(stack.url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie, ...(origin ? { origin } : {}) } });
        socket.once('connect', () => (socket.disconnect(), resolve('connected')));
        socket.once('connect_error', (error) => (socket.disconnect(), resolve(`refused: ${error.message}`)));
      });
    expect(await attempt('https://evil.example')).toMatch(/^refused/);
    expect(await attempt('null')).toMatch(/^refused/); // an opaque origin: a sandboxed frame, say
    expect(await attempt(new URL(stack.url).origin)).toBe('connected');
    expect(await attempt()).toBe('connected');
  });
});
