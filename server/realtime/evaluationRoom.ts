import { inArray } from 'drizzle-orm';
import { AppError, errors } from '../../shared/errors.ts';
import { can, type EvaluationSubject } from '../../shared/policies/index.ts';
import { evaluationUnwatchSchema, evaluationWatchSchema, panelEventNames, type EvaluationWatchResult } from '../../shared/realtime/evaluationRoom.ts';
import type { Actor } from '../../shared/roles.ts';
import { authorize } from '../auth/authorize.ts';
import type { DbOrTx } from '../db/client.ts';
import { evaluations } from '../db/schema.ts';
import { findEvaluation, loadEvaluationSubject, loadEvaluationSubjects } from '../domain/evaluations.ts';
import type { Socket } from 'socket.io';
import type { SocketData } from './auth.ts';
import { defineHandler } from './handler.ts';
import type { RecoveredSession } from './recovery.ts';
import { rooms } from './rooms.ts';

/**
 * An evaluation's room carries its panel events to everyone who may read it: seated, unconflicted
 * panelists and coordinators/admins observing. Joining asks the shared policy against fresh facts;
 * losing access takes the reviewer's sockets out at once (notifier.accessRevoked, on every process).
 */

const roomPrefix = rooms.evaluation('');

/** The policy facts of one evaluation, read now; `not_found` or `forbidden` unless the actor may read it. */
async function readableSubject(db: DbOrTx, actor: Actor, evaluationId: string): Promise<EvaluationSubject> {
  const row = await findEvaluation(db, evaluationId);
  if (!row) throw errors.notFound('Evaluation');
  const subject = await loadEvaluationSubject(db, row);
  authorize(actor, 'evaluation.read', subject);
  return subject;
}

/**
 * The evaluations each socket asked to watch and has not asked to stop watching since. A watch's
 * checks wait for the database, and an unwatch (the page left meanwhile) may be handled before they
 * end: the watch must not then join the room the page no longer wants.
 */
const watching = new WeakMap<Socket, Set<string>>();

function setWatching(socket: Socket, evaluationId: string, wanted: boolean): void {
  let wants = watching.get(socket);
  if (!wants) watching.set(socket, (wants = new Set()));
  if (wanted) wants.add(evaluationId);
  else wants.delete(evaluationId);
}

/** The socket events of evaluation rooms. */
export const evaluationRoomHandlers = {
  'evaluation.watch': defineHandler({
    schema: evaluationWatchSchema,
    handle: async ({ app, socket, data, payload }): Promise<EvaluationWatchResult> => {
      const actor = data.session.user;
      const room = rooms.evaluation(payload.evaluationId);
      setWatching(socket, payload.evaluationId, true);
      await readableSubject(app.db, actor, payload.evaluationId).catch(async (error: unknown) => {
        // Refused: not in the room either (connection state recovery may have put it back there).
        if (error instanceof AppError) {
          setWatching(socket, payload.evaluationId, false);
          await socket.leave(room);
        }
        throw error;
      });
      // Unwatched while we checked (the page left): the room stays left (the page no longer listens for this answer).
      if (!watching.get(socket)?.has(payload.evaluationId)) throw errors.conflict('The watch was withdrawn while it was checked.', { reason: 'unwatched' });
      await socket.join(room);
      // A revocation that committed between the check and the join ran its socketsLeave before we
      // joined: checking again after joining closes that gap (the facts are read after the join).
      try {
        const subject = await readableSubject(app.db, actor, payload.evaluationId);
        return { evaluationId: subject.id, room, status: subject.status };
      } catch (error) {
        setWatching(socket, payload.evaluationId, false);
        await socket.leave(room);
        throw error;
      }
    },
  }),
  'evaluation.unwatch': defineHandler({
    schema: evaluationUnwatchSchema,
    handle: async ({ socket, payload }) => {
      setWatching(socket, payload.evaluationId, false);
      await socket.leave(rooms.evaluation(payload.evaluationId));
      return { evaluationId: payload.evaluationId };
    },
  }),
};

/** The evaluation a room name belongs to, or null for other rooms. */
export function evaluationOfRoom(room: string): string | null {
  return room.startsWith(roomPrefix) ? room.slice(roomPrefix.length) : null;
}

/** Which of these evaluations the actor may read now (shared policy, fresh facts). */
async function readableEvaluationIds(db: DbOrTx, actor: Actor | undefined, evaluationIds: readonly string[]): Promise<Set<string>> {
  if (!actor) return new Set();
  const rows = await db.select().from(evaluations).where(inArray(evaluations.id, [...evaluationIds]));
  const subjects = await loadEvaluationSubjects(db, rows);
  return new Set([...subjects.values()].filter((subject) => can(actor, 'evaluation.read', subject)).map((subject) => subject.id));
}

/**
 * Connection state recovery puts a returning socket back in the rooms it had and replays what it
 * missed, without asking any policy. A reviewer unseated (or conflicted) while offline would so be
 * back in the evaluation's room: drop the rooms the user may no longer read, and the missed panel
 * events about them. (`access.revoked`, addressed to the user's own room, is kept.)
 */
export async function recheckRecoveredEvaluationRooms(db: DbOrTx, session: RecoveredSession): Promise<void> {
  const watched = session.rooms.map(evaluationOfRoom).filter((id): id is string => id !== null);
  if (watched.length === 0) return;
  const actor = (session.data as Partial<SocketData> | null)?.session?.user;
  const readable = await readableEvaluationIds(db, actor, watched);
  const barred = new Set(watched.filter((id) => !readable.has(id)));
  if (barred.size === 0) return;
  session.rooms = session.rooms.filter((room) => !barred.has(evaluationOfRoom(room) ?? ''));
  session.missedPackets = session.missedPackets.filter((packet) => {
    const [event, payload] = packet as [unknown, { evaluationId?: unknown } | undefined];
    const isPanelEvent = (panelEventNames as readonly unknown[]).includes(event);
    return !(isPanelEvent && typeof payload?.evaluationId === 'string' && barred.has(payload.evaluationId));
  });
}
