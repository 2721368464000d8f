import type { Actor } from '../roles.ts';
import type { EvaluationState } from '../workflow/evaluation.ts';

export type SeatRole = 'chair' | 'subject_expert' | 'member';

/** One seat as policies see it. `conflicted` is true when a conflict stands without a coordinator's override. */
export interface PanelSeatFacts {
  reviewerId: string;
  seatRole: SeatRole;
  conflicted: boolean;
}

/** The facts about an evaluation that its policies read. */
export interface EvaluationSubject {
  id: string;
  status: EvaluationState;
  /** Current (not removed) seats. */
  seats: readonly PanelSeatFacts[];
}

/** The actor's seat if they sit on the panel and no conflict bars them; a declared conflict removes access at once. */
export function activeSeat(actor: Actor, evaluation: EvaluationSubject): PanelSeatFacts | null {
  if (actor.role !== 'reviewer') return null;
  const seat = evaluation.seats.find((candidate) => candidate.reviewerId === actor.id);
  return seat && !seat.conflicted ? seat : null;
}

const runsEvaluations = (actor: Actor) => actor.role === 'coordinator' || actor.role === 'admin';

/** Phases in which the panel's worksheet exists, and those in which panelists may edit it. */
export const worksheetReadablePhases: readonly EvaluationState[] = ['deliberation', 'voting', 'finalized', 'conditional', 'published', 're_review_due'];
export const worksheetWritablePhases: readonly EvaluationState[] = ['deliberation', 'voting'];

/** Phases in which the panel may still change (seats added or removed, conflicts overridden); it is frozen after. */
export const panelFormingPhases: readonly EvaluationState[] = ['intake', 'panel_forming'];

/** Who may do what with evaluations, their panels and worksheets. */
export const evaluationPolicy = {
  /** Coordinators open evaluations; admins manage the system but do not run reviews. */
  create: (actor: Actor) => actor.role === 'coordinator',
  /** The dashboard list: everyone but proctors; reviewers only see their own panels (see `read`). */
  list: (actor: Actor) => actor.role !== 'proctor',
  read: (actor: Actor, evaluation: EvaluationSubject) => runsEvaluations(actor) || activeSeat(actor, evaluation) !== null,
  /** Whether the actor may attempt workflow steps at all; the workflow says which ones. */
  transition: (actor: Actor, evaluation: EvaluationSubject) => runsEvaluations(actor) || activeSeat(actor, evaluation) !== null,
  /** Live dashboard updates go to the people who run evaluations. */
  watchDashboard: (actor: Actor) => runsEvaluations(actor),
  /** Seating and unseating reviewers, and overriding a conflict, while the panel is being formed. */
  managePanel: (actor: Actor, evaluation: EvaluationSubject) =>
    actor.role === 'coordinator' && panelFormingPhases.includes(evaluation.status),
  /** Any reviewer may declare a conflict on an evaluation that is still open. */
  declareConflict: (actor: Actor, evaluation: EvaluationSubject) =>
    actor.role === 'reviewer' && !['published', 're_review_due', 'revoked', 'withdrawn'].includes(evaluation.status),
  /** Join the worksheet: seated panelists, and coordinators/admins as read-only observers. */
  readWorksheet: (actor: Actor, evaluation: EvaluationSubject) =>
    worksheetReadablePhases.includes(evaluation.status) && (runsEvaluations(actor) || activeSeat(actor, evaluation) !== null),
  /** Edit the worksheet: seated, unconflicted panelists during deliberation and voting; checked on every update. */
  writeWorksheet: (actor: Actor, evaluation: EvaluationSubject) =>
    worksheetWritablePhases.includes(evaluation.status) && activeSeat(actor, evaluation) !== null,
};
