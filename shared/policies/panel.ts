import type { Actor } from '../roles.ts';
import { activeSeat, type EvaluationSubject } from './evaluation.ts';

const runsEvaluations = (actor: Actor) => actor.role === 'coordinator' || actor.role === 'admin';

/** Who may see a panel, and who sees its conflicts of interest and override justifications. */
export const panelPolicy = {
  /** The roster: whoever may read the evaluation (a conflicted panelist no longer may). */
  read: (actor: Actor, evaluation: EvaluationSubject) => runsEvaluations(actor) || activeSeat(actor, evaluation) !== null,
  /** Conflicts, declarations and overrides are for the people who form panels, not for fellow panelists. */
  readConflicts: (actor: Actor) => runsEvaluations(actor),
};
