import { errors } from '../../shared/errors.ts';
import type { Actor } from '../../shared/roles.ts';
import { commandOnlySteps, type EvaluationState } from '../../shared/workflow/evaluation.ts';
import { authorize } from '../auth/authorize.ts';
import type { AppContext } from '../context.ts';
import { loadMotionFacts } from '../domain/motions.ts';
import { loadSubmittedReviewerIds } from '../domain/reviews.ts';
import { assertExpectedState, assertStep, lockEvaluation, stepEvaluation } from './evaluationStep.ts';
import { inTransaction } from './unitOfWork.ts';

/** Moves an evaluation one step through its workflow (steps without data of their own), if the actor may and every guard holds. */
export async function transitionEvaluation(
  app: AppContext,
  actor: Actor,
  input: { evaluationId: string; action: string; expectedState: EvaluationState },
) {
  return inTransaction(app, async (tx, after) => {
    const { row, subject } = await lockEvaluation(tx, input.evaluationId);
    authorize(actor, 'evaluation.transition', subject);
    assertExpectedState(row, input.expectedState);
    const facts = {
      submittedReviewerIds: (await loadSubmittedReviewerIds(tx, [row.id])).get(row.id),
      motion: (await loadMotionFacts(tx, [row.id])).get(row.id),
    };
    const step = { row, subject, action: input.action, role: actor.role, facts };
    assertStep(step);
    // Allowed by the workflow, but a step that records data goes through its own command.
    if (commandOnlySteps.includes(input.action)) {
      throw errors.invalidTransition(`"${input.action.replaceAll('_', ' ')}" is taken through its own form (it records a motion, conditions, a version or a reason).`, {
        reason: 'needs_command',
        failures: [],
      });
    }
    return stepEvaluation(tx, after, app, { ...step, actorId: actor.id });
  });
}
