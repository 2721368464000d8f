import type { ErrorBody } from '../errors.ts';
import type {
  DocAwarenessEvent,
  DocAwarenessPayload,
  DocJoinPayload,
  DocJoinResult,
  DocLeavePayload,
  DocRevokedEvent,
  DocUpdateEvent,
  DocUpdatePayload,
  DocUpdateResult,
} from './documents.ts';
import type { EvaluationUnwatchPayload, EvaluationWatchPayload, EvaluationWatchResult } from './evaluationRoom.ts';
import type { JobSummary } from '../schemas/evaluation.ts';

/** Every socket ack has this shape; errors use the same codes as REST. */
export type Ack<T = undefined> = (response: { ok: true; data: T } | { ok: false; error: ErrorBody }) => void;

/** Events the server pushes. They carry ids; clients refetch what they show. */
export interface ServerToClientEvents {
  /** A stored update to a document the socket joined. */
  'doc.update': (event: DocUpdateEvent) => void;
  /** A presence change in a document the socket joined. */
  'doc.awareness': (event: DocAwarenessEvent) => void;
  /** The socket was taken out of a document (access ended); it must not expect further updates. */
  'doc.revoked': (event: DocRevokedEvent) => void;
  'evaluation.created': (event: { evaluationId: string }) => void;
  'evaluation.changed': (event: { evaluationId: string; status: string }) => void;
  'job.updated': (event: { jobId: string; evaluationId: string | null; job: JobSummary }) => void;
  'session.ended': (event: { reason: string }) => void;
  /** A panelist voted: refetch the motion's tally. */
  'vote.cast': (event: { evaluationId: string; motionId: string }) => void;
  /** A motion was put, carried or failed: refetch the evaluation's decision panel. */
  'motion.changed': (event: { evaluationId: string; motionId: string; status: string }) => void;
  /** A seat was added or removed, or a conflict declared: refetch the panel (and the evaluation's steps). */
  'panel.changed': (event: { evaluationId: string }) => void;
  /** To one user: they may no longer see this evaluation (declared a conflict, or unseated). */
  /** `access_lost`: found by the periodic re-check (a change made behind the commands' back, or a missed one). */
  'access.revoked': (event: { evaluationId: string; reason: 'conflict_declared' | 'seat_removed' | 'access_lost' }) => void;
  /** A panelist submitted their independent review (no contents): refetch review status and what you may now see. */
  'review.submitted': (event: { evaluationId: string }) => void;
}

/** Events clients send; each one is validated by a zod schema and authorized by a policy. */
export interface ClientToServerEvents {
  'dashboard.watch': (payload: unknown, ack: Ack<{ room: string }>) => void;
  /** Join an evaluation's room (policy `evaluation.read`, fresh facts) to receive its panel events. */
  'evaluation.watch': (payload: EvaluationWatchPayload, ack: Ack<EvaluationWatchResult>) => void;
  'evaluation.unwatch': (payload: EvaluationUnwatchPayload, ack: Ack<{ evaluationId: string }>) => void;
  /** Collaborative documents: sync step 1 in, step 2 and the server's state vector out. */
  'doc.join': (payload: DocJoinPayload, ack: Ack<DocJoinResult>) => void;
  /** Acked only after the update is stored; refused updates change nothing. */
  'doc.update': (payload: DocUpdatePayload, ack: Ack<DocUpdateResult>) => void;
  'doc.awareness': (payload: DocAwarenessPayload, ack: Ack<null>) => void;
  'doc.leave': (payload: DocLeavePayload, ack: Ack<null>) => void;
}

/** Events between server processes through Socket.IO: none. Server processes talk about documents over their own relay (shared/realtime/relay.ts), not `serverSideEmit`. */
export type InterServerEvents = Record<never, never>;
