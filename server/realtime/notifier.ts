import type { Server } from 'socket.io';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents } from '../../shared/realtime/events.ts';
import type { JobSummary } from '../../shared/schemas/evaluation.ts';
import { rooms } from './rooms.ts';

export type QuorumIo = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents>;

/** Live pushes. Callers invoke these only after their transaction has committed. */
export interface Notifier {
  evaluationCreated: (evaluationId: string) => void;
  evaluationChanged: (evaluationId: string, status: string) => void;
  /** Local to this process: every server process hears queue events itself. */
  jobUpdated: (job: JobSummary, evaluationId: string | null) => void;
  sessionEnded: (tokenHash: string, reason: string) => void;
  /** A vote was cast: the evaluation's room, the dashboard and the panel's reviewers refetch the tally. */
  voteCast: (evaluationId: string, motionId: string, reviewerIds: readonly string[]) => void;
  /** A motion was put or decided: the same audience refetches the decision panel. */
  motionChanged: (evaluationId: string, motionId: string, status: string, reviewerIds: readonly string[]) => void;
  /** The panel changed: the evaluation's room, the dashboard, and the reviewers whose access it changed. */
  panelChanged: (evaluationId: string, reviewerIds: readonly string[]) => void;
  /** A reviewer lost access: their sockets leave the evaluation's room and their pages are told. */
  accessRevoked: (evaluationId: string, reviewerId: string, reason: 'conflict_declared' | 'seat_removed') => void;
  /** A review was submitted: the dashboard, the evaluation's room and the panel's reviewers refetch. */
  reviewSubmitted: (evaluationId: string, reviewerIds: readonly string[]) => void;
}

/** A notifier that drops everything, for processes without sockets (workers, scripts). */
export const silentNotifier: Notifier = {
  evaluationCreated: () => {},
  evaluationChanged: () => {},
  jobUpdated: () => {},
  sessionEnded: () => {},
  voteCast: () => {},
  motionChanged: () => {},
  panelChanged: () => {},
  accessRevoked: () => {},
  reviewSubmitted: () => {},
};

/** Pushes through Socket.IO rooms. */
export function createNotifier(io: QuorumIo): Notifier {
  return {
    evaluationCreated: (evaluationId) => {
      io.to(rooms.dashboard).emit('evaluation.created', { evaluationId });
    },
    evaluationChanged: (evaluationId, status) => {
      io.to([rooms.dashboard, rooms.evaluation(evaluationId)]).emit('evaluation.changed', { evaluationId, status });
    },
    jobUpdated: (job, evaluationId) => {
      const targets = evaluationId ? [rooms.dashboard, rooms.evaluation(evaluationId)] : [rooms.dashboard];
      io.local.to(targets).emit('job.updated', { jobId: job.id, evaluationId, job });
    },
    sessionEnded: (tokenHash, reason) => {
      const room = rooms.session(tokenHash);
      io.to(room).emit('session.ended', { reason });
      io.in(room).disconnectSockets(true);
    },
    voteCast: (evaluationId, motionId, reviewerIds) => {
      const targets = [rooms.dashboard, rooms.evaluation(evaluationId), ...reviewerIds.map((id) => rooms.user(id))];
      io.to(targets).emit('vote.cast', { evaluationId, motionId });
    },
    motionChanged: (evaluationId, motionId, status, reviewerIds) => {
      const targets = [rooms.dashboard, rooms.evaluation(evaluationId), ...reviewerIds.map((id) => rooms.user(id))];
      io.to(targets).emit('motion.changed', { evaluationId, motionId, status });
    },
    panelChanged: (evaluationId, reviewerIds) => {
      const targets = [rooms.dashboard, rooms.evaluation(evaluationId), ...reviewerIds.map((id) => rooms.user(id))];
      io.to(targets).emit('panel.changed', { evaluationId });
    },
    accessRevoked: (evaluationId, reviewerId, reason) => {
      io.in(rooms.user(reviewerId)).socketsLeave(rooms.evaluation(evaluationId));
      io.to(rooms.user(reviewerId)).emit('access.revoked', { evaluationId, reason });
    },
    reviewSubmitted: (evaluationId, reviewerIds) => {
      const targets = [rooms.dashboard, rooms.evaluation(evaluationId), ...reviewerIds.map((id) => rooms.user(id))];
      io.to(targets).emit('review.submitted', { evaluationId });
    },
  };
}
