import type { Actor } from '../roles.ts';
import type { EvaluationState } from '../workflow/evaluation.ts';
import { activeSeat, type EvaluationSubject } from './evaluation.ts';

/** An evaluation's policy facts plus who has submitted an independent review. */
export interface ReviewSubject extends EvaluationSubject {
  submittedReviewerIds: readonly string[];
}

const runsEvaluations = (actor: Actor) => actor.role === 'coordinator' || actor.role === 'admin';

/** Phases after every review is in: coordinators may read contents, and the panel sees the deliberation summary. */
export const reviewsDisclosedPhases: readonly EvaluationState[] = [
  'deliberation',
  'voting',
  'finalized',
  'conditional',
  'published',
  're_review_due',
  'revoked',
];

const hasSubmitted = (actor: Actor, subject: ReviewSubject) => subject.submittedReviewerIds.includes(actor.id);

/**
 * Independent reviews follow HotCRP's rule: a review is private until its author submits, and only then
 * does the author see the other submitted reviews. Coordinators see progress (not contents) until deliberation.
 */
export const reviewPolicy = {
  /** A seated, unconflicted reviewer reads their own review. */
  readOwn: (actor: Actor, evaluation: EvaluationSubject) => activeSeat(actor, evaluation) !== null,
  /** Drafts and submission: only the seated, unconflicted reviewer, only during independent review. */
  write: (actor: Actor, evaluation: EvaluationSubject) =>
    evaluation.status === 'independent_review' && activeSeat(actor, evaluation) !== null,
  /** The panel's submitted reviews: a panelist once their own is submitted; coordinators once deliberation starts. */
  readPanel: (actor: Actor, evaluation: ReviewSubject) =>
    (runsEvaluations(actor) && reviewsDisclosedPhases.includes(evaluation.status)) ||
    (activeSeat(actor, evaluation) !== null && hasSubmitted(actor, evaluation)),
  /** Who has submitted and who is overdue, without contents. */
  progress: (actor: Actor) => runsEvaluations(actor),
  /** The deliberation summary: from deliberation on, for coordinators and for panelists who submitted. */
  summary: (actor: Actor, evaluation: ReviewSubject) =>
    reviewsDisclosedPhases.includes(evaluation.status) &&
    (runsEvaluations(actor) || (activeSeat(actor, evaluation) !== null && hasSubmitted(actor, evaluation))),
};
