import type { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/realtime/events.ts';
import type { JobSummary } from '../../shared/schemas/evaluation.ts';
import { rooms } from './rooms.ts';

export type QuorumIo = Server<ClientToServerEvents, ServerToClientEvents>;

/** Live pushes. Callers invoke these only after their transaction has committed. */
export interface Notifier {
  evaluationCreated: (evaluationId: string) => void;
  evaluationChanged: (evaluationId: string, status: string) => void;
  /** Local to this process: every server process hears queue events itself. */
  jobUpdated: (job: JobSummary, evaluationId: string | null) => void;
  sessionEnded: (tokenHash: string, reason: string) => void;
}

/** A notifier that drops everything, for processes without sockets (workers, scripts). */
export const silentNotifier: Notifier = {
  evaluationCreated: () => {},
  evaluationChanged: () => {},
  jobUpdated: () => {},
  sessionEnded: () => {},
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
  };
}
