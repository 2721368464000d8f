import type { Server } from 'socket.io';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents } from '../../shared/realtime/events.ts';
import type { JobSummary } from '../../shared/schemas/evaluation.ts';
import { rooms } from './rooms.ts';

export type QuorumIo = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents>;

/**
 * Live pushes. Callers invoke these only after their transaction has committed. Panel events go to
 * the evaluation's room (everyone watching it: panelists and observers, on every server process)
 * and to the dashboard; a user's own room gets only what is addressed to that person.
 */
export interface Notifier {
  evaluationCreated: (evaluationId: string) => void;
  evaluationChanged: (evaluationId: string, status: string) => void;
  /** Local to this process, like jobUpdated: a status a worker changed, heard by every server process through queue events. */
  evaluationChangedByWorker: (evaluationId: string, status: string) => void;
  /** Local to this process: every server process hears queue events itself. */
  jobUpdated: (job: JobSummary, evaluationId: string | null) => void;
  sessionEnded: (tokenHash: string, reason: string) => void;
  /** A vote was cast: watchers refetch the tally. */
  voteCast: (evaluationId: string, motionId: string) => void;
  /** A motion was put or decided: watchers refetch the decision panel. */
  motionChanged: (evaluationId: string, motionId: string, status: string) => void;
  /**
   * The panel changed: watchers refetch it. `seatedReviewerIds` are reviewers who just gained a seat:
   * they cannot be watching yet, so they are told in their own room (their dashboards list it now).
   */
  panelChanged: (evaluationId: string, seatedReviewerIds: readonly string[]) => void;
  /** A reviewer lost access: their sockets leave the evaluation's room (every process) and their pages are told. */
  accessRevoked: (evaluationId: string, reviewerId: string, reason: 'conflict_declared' | 'seat_removed') => void;
  /** A review was submitted (no contents): watchers refetch review status and what they may now see. */
  reviewSubmitted: (evaluationId: string) => void;
}

/** A notifier that drops everything, for processes without sockets (workers, scripts). */
export const silentNotifier: Notifier = {
  evaluationCreated: () => {},
  evaluationChanged: () => {},
  evaluationChangedByWorker: () => {},
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
  const watchers = (evaluationId: string) => [rooms.dashboard, rooms.evaluation(evaluationId)];
  return {
    evaluationCreated: (evaluationId) => {
      io.to(rooms.dashboard).emit('evaluation.created', { evaluationId });
    },
    evaluationChanged: (evaluationId, status) => {
      io.to(watchers(evaluationId)).emit('evaluation.changed', { evaluationId, status });
    },
    evaluationChangedByWorker: (evaluationId, status) => {
      io.local.to(watchers(evaluationId)).emit('evaluation.changed', { evaluationId, status });
    },
    jobUpdated: (job, evaluationId) => {
      const targets = evaluationId ? watchers(evaluationId) : [rooms.dashboard];
      io.local.to(targets).emit('job.updated', { jobId: job.id, evaluationId, job });
    },
    sessionEnded: (tokenHash, reason) => {
      const room = rooms.session(tokenHash);
      io.to(room).emit('session.ended', { reason });
      io.in(room).disconnectSockets(true);
    },
    voteCast: (evaluationId, motionId) => {
      io.to(watchers(evaluationId)).emit('vote.cast', { evaluationId, motionId });
    },
    motionChanged: (evaluationId, motionId, status) => {
      io.to(watchers(evaluationId)).emit('motion.changed', { evaluationId, motionId, status });
    },
    panelChanged: (evaluationId, seatedReviewerIds) => {
      io.to([...watchers(evaluationId), ...seatedReviewerIds.map((id) => rooms.user(id))]).emit('panel.changed', { evaluationId });
    },
    accessRevoked: (evaluationId, reviewerId, reason) => {
      // Through the cluster adapter, this reaches the reviewer's sockets on every server process,
      // in stream order: an event emitted after it never reaches them.
      io.in(rooms.user(reviewerId)).socketsLeave(rooms.evaluation(evaluationId));
      io.to(rooms.user(reviewerId)).emit('access.revoked', { evaluationId, reason });
    },
    reviewSubmitted: (evaluationId) => {
      io.to(watchers(evaluationId)).emit('review.submitted', { evaluationId });
    },
  };
}
