import { z } from 'zod';
import type { EvaluationState } from '../workflow/evaluation.ts';

/**
 * The wire contract of an evaluation's room: a client that may read an evaluation (policy
 * `evaluation.read`) watches it and then receives its panel events, each carrying the ids to
 * refetch by. On every (re)connect the client watches again and refetches: that is the full resync.
 */

export const evaluationWatchSchema = z.strictObject({
  evaluationId: z.uuid().transform((value) => value.toLowerCase()),
});
export type EvaluationWatchPayload = z.input<typeof evaluationWatchSchema>;

/** The watch ack: the room joined and the evaluation's status at that moment. */
export interface EvaluationWatchResult {
  evaluationId: string;
  room: string;
  status: EvaluationState;
}

export const evaluationUnwatchSchema = evaluationWatchSchema;
export type EvaluationUnwatchPayload = EvaluationWatchPayload;

/**
 * The events pushed to an evaluation's room (and the dashboard), all after the commit that caused
 * them; a cause comes before the phase change it brought (a vote, then the motion carried or failed,
 * then the evaluation back in deliberation). `access.revoked` goes to one user's sockets instead.
 */
export const panelEventNames = ['evaluation.changed', 'review.submitted', 'motion.changed', 'vote.cast', 'panel.changed', 'job.updated'] as const;
export type PanelEventName = (typeof panelEventNames)[number];
