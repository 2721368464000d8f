import type { Actor } from '../roles.ts';

/** The facts about an evaluation that its policy reads. */
export interface EvaluationSubject {
  id: string;
  /** Reviewers currently seated on the panel and not conflicted. */
  seatedReviewerIds: readonly string[];
}

/** Who may do what with evaluations. */
export const evaluationPolicy = {
  /** Coordinators open evaluations; admins manage the system but do not run reviews. */
  create: (actor: Actor) => actor.role === 'coordinator',
  /** The dashboard list: everyone but proctors; reviewers only see their own panels (see `read`). */
  list: (actor: Actor) => actor.role !== 'proctor',
  read: (actor: Actor, evaluation: EvaluationSubject) =>
    actor.role === 'coordinator' ||
    actor.role === 'admin' ||
    (actor.role === 'reviewer' && evaluation.seatedReviewerIds.includes(actor.id)),
  /** Whether the actor may attempt workflow steps at all; the workflow says which ones. */
  transition: (actor: Actor, evaluation: EvaluationSubject) =>
    actor.role === 'coordinator' ||
    actor.role === 'admin' ||
    (actor.role === 'reviewer' && evaluation.seatedReviewerIds.includes(actor.id)),
  /** Live dashboard updates go to the people who run evaluations. */
  watchDashboard: (actor: Actor) => actor.role === 'coordinator' || actor.role === 'admin',
};
