import type { Actor } from '../roles.ts';
import { activeSeat, type EvaluationSubject } from './evaluation.ts';

/** Who may put motions, vote on them, and publish or revoke the recommendation that results. */
export const recommendationPolicy = {
  /** The panel's chair (seated, unconflicted) puts the motion; a coordinator may put it on the panel's behalf. */
  putMotion: (actor: Actor, evaluation: EvaluationSubject) =>
    actor.role === 'coordinator' || activeSeat(actor, evaluation)?.seatRole === 'chair',
  /** Every seated, unconflicted panelist votes, the chair included. */
  vote: (actor: Actor, evaluation: EvaluationSubject) => activeSeat(actor, evaluation) !== null,
  /** Finalizing, setting conditions and publishing are the coordinator's. */
  publish: (actor: Actor, _evaluation: EvaluationSubject) => actor.role === 'coordinator',
  /** Revoking a published recommendation is the coordinator's. */
  revoke: (actor: Actor, _evaluation: EvaluationSubject) => actor.role === 'coordinator',
};
