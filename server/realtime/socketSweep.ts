import { inArray } from 'drizzle-orm';
import { can, type EvaluationSubject } from '../../shared/policies/index.ts';
import type { Logger } from '../logger.ts';
import { findSessionsByHash } from '../auth/sessions.ts';
import type { Database } from '../db/client.ts';
import { evaluations } from '../db/schema.ts';
import { loadEvaluationSubjects } from '../domain/evaluations.ts';
import type { SocketData } from './auth.ts';
import { evaluationOfRoom } from './evaluationRoom.ts';
import type { QuorumIo } from './notifier.ts';
import { rooms } from './rooms.ts';

/**
 * Every `intervalMs` each server process re-checks its own sockets against fresh facts, in a few
 * queries for all of them: a socket whose session ended (expired, deleted, its user disabled) or
 * whose user's role changed is told (`session.ended`) and disconnected; one in the room of an
 * evaluation its user may no longer read leaves it and is told (`access.revoked`). The immediate paths (sign-out, seat removal,
 * conflict declared) act at once on every process; this catches what they cannot: a session
 * that simply expired, a change made behind the commands' back, a socket still in its handshake
 * when its session ended, a relay lost with a process that crashed right after its commit.
 */
export function startSocketSweep(options: { io: QuorumIo; db: Database; logger: Logger; intervalMs: number }): { sweep: () => Promise<SweepResult>; stop: () => void } {
  const { io, db, logger, intervalMs } = options;
  let running: Promise<SweepResult> | null = null;
  const sweep = () => (running ??= sweepOnce(io, db).finally(() => (running = null)));
  const timer = setInterval(() => {
    sweep().catch((error: unknown) => logger.warn({ err: error }, 'socket sweep failed'));
  }, intervalMs);
  timer.unref();
  return { sweep, stop: () => clearInterval(timer) };
}

export interface SweepResult {
  /** Sockets disconnected because their session ended or their user's role changed. */
  ended: number;
  /** Evaluation rooms left because their user may no longer read the evaluation. */
  left: number;
}

async function sweepOnce(io: QuorumIo, db: Database): Promise<SweepResult> {
  const sockets = [...io.of('/').sockets.values()].filter((socket) => (socket.data as Partial<SocketData> | null)?.session);
  const sessionOf = (socket: (typeof sockets)[number]) => (socket.data as SocketData).session;
  const live = await findSessionsByHash(db, [...new Set(sockets.map((socket) => sessionOf(socket).tokenHash))]);
  let ended = 0;
  const staying: typeof sockets = [];
  for (const socket of sockets) {
    const fresh = live.get(sessionOf(socket).tokenHash);
    // A role changed since the handshake: the page's abilities and the rooms it joined were decided
    // for the old one. The page starts over (signed in still, under the new role).
    const reason = !fresh ? 'expired' : fresh.user.role !== sessionOf(socket).user.role ? 'role_changed' : null;
    if (fresh && !reason) {
      // (Still under the name it had at its handshake, as its page is: the page signs comments with
      // that name, and the server checks the signature against the socket's.)
      staying.push(socket);
      continue;
    }
    // Sent locally (synchronously): with connection state recovery a plain `socket.emit` goes out
    // through the adapter, after Redis answered, by which time the socket is gone.
    io.local.to(socket.id).emit('session.ended', { reason: reason ?? 'expired' });
    socket.disconnect(true);
    ended += 1;
  }

  // Evaluation rooms, per user: one policy read for every evaluation any of them watches.
  const watchedBy = new Map<string, { user: SocketData['session']['user']; evaluationIds: Set<string> }>();
  for (const socket of staying) {
    const { user } = sessionOf(socket);
    for (const room of socket.rooms) {
      const evaluationId = evaluationOfRoom(room);
      if (!evaluationId) continue;
      const entry = watchedBy.get(user.id) ?? { user, evaluationIds: new Set<string>() };
      entry.evaluationIds.add(evaluationId);
      watchedBy.set(user.id, entry);
    }
  }
  let left = 0;
  const subjects = await loadSubjects(db, [...new Set([...watchedBy.values()].flatMap((entry) => [...entry.evaluationIds]))]);
  for (const { user, evaluationIds } of watchedBy.values()) {
    const barred = [...evaluationIds].filter((evaluationId) => {
      const subject = subjects.get(evaluationId);
      return !subject || !can(user, 'evaluation.read', subject);
    });
    if (barred.length === 0) continue;
    for (const socket of staying) {
      if (sessionOf(socket).user.id !== user.id) continue;
      for (const evaluationId of barred) {
        if (!socket.rooms.has(rooms.evaluation(evaluationId))) continue;
        void socket.leave(rooms.evaluation(evaluationId));
        socket.emit('access.revoked', { evaluationId, reason: 'access_lost' });
        left += 1;
      }
    }
  }
  return { ended, left };
}

/** Policy facts of these evaluations, read now, in one round. */
async function loadSubjects(db: Database, evaluationIds: string[]): Promise<Map<string, EvaluationSubject>> {
  if (evaluationIds.length === 0) return new Map();
  const rows = await db.select().from(evaluations).where(inArray(evaluations.id, evaluationIds));
  return loadEvaluationSubjects(db, rows);
}
