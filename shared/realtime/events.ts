import type { ErrorBody } from '../errors.ts';
import type { JobSummary } from '../schemas/evaluation.ts';

/** Every socket ack has this shape; errors use the same codes as REST. */
export type Ack<T = undefined> = (response: { ok: true; data: T } | { ok: false; error: ErrorBody }) => void;

/** Events the server pushes. They carry ids; clients refetch what they show. */
export interface ServerToClientEvents {
  'evaluation.created': (event: { evaluationId: string }) => void;
  'evaluation.changed': (event: { evaluationId: string; status: string }) => void;
  'job.updated': (event: { jobId: string; evaluationId: string | null; job: JobSummary }) => void;
  'session.ended': (event: { reason: string }) => void;
}

/** Events clients send; each one is validated by a zod schema and authorized by a policy. */
export interface ClientToServerEvents {
  'dashboard.watch': (payload: unknown, ack: Ack<{ room: string }>) => void;
}
