import { eq } from 'drizzle-orm';
import { errors } from '../../shared/errors.ts';
import type { Actor } from '../../shared/roles.ts';
import { checkTransition } from '../../shared/workflow/engine.ts';
import { commandOnlySteps, evaluationMachine, type EvaluationState } from '../../shared/workflow/evaluation.ts';
import { recordAudit } from '../audit/auditLog.ts';
import { authorize } from '../auth/authorize.ts';
import type { AppContext } from '../context.ts';
import { evaluations } from '../db/schema.ts';
import { evaluationContext, findEvaluation, loadEvaluationSubject } from '../domain/evaluations.ts';
import { loadMotionFacts } from '../domain/motions.ts';
import { loadSubmittedReviewerIds } from '../domain/reviews.ts';
import { revokeDocumentAccess } from '../realtime/documents/access.ts';
import { inTransaction } from './unitOfWork.ts';

/** Moves an evaluation one step through its workflow, if the actor may and every guard holds. */
export async function transitionEvaluation(
  app: AppContext,
  actor: Actor,
  input: { evaluationId: string; action: string; expectedState: EvaluationState },
) {
  return inTransaction(app, async (tx, after) => {
    const row = await findEvaluation(tx, input.evaluationId, { forUpdate: true });
    if (!row) throw errors.notFound('Evaluation');
    const subject = await loadEvaluationSubject(tx, row);
    authorize(actor, 'evaluation.transition', subject);
    const from = row.status as EvaluationState;
    if (from !== input.expectedState) {
      throw errors.conflict(`The evaluation is now ${from.replaceAll('_', ' ')}; refresh and try again.`, { status: from });
    }
    const facts = {
      submittedReviewerIds: (await loadSubmittedReviewerIds(tx, [row.id])).get(row.id),
      motion: (await loadMotionFacts(tx, [row.id])).get(row.id),
    };
    const check = checkTransition(evaluationMachine, from, input.action, actor.role, evaluationContext(row, subject, facts));
    if (!check.ok) {
      if (check.reason === 'role_not_allowed') throw errors.forbidden(check.message, { reason: check.reason });
      throw errors.invalidTransition(check.message, {
        reason: check.reason,
        failures: check.reason === 'guard_failed' ? check.failures : [],
      });
    }
    // Allowed by the workflow, but a step that records data goes through its own command.
    if (commandOnlySteps.includes(input.action)) {
      throw errors.invalidTransition(`"${input.action.replaceAll('_', ' ')}" is taken through its own form (it records a motion, conditions, a version or a reason).`, {
        reason: 'needs_command',
        failures: [],
      });
    }
    const [updated] = await tx
      .update(evaluations)
      .set({ status: check.transition.to, updatedAt: new Date() })
      .where(eq(evaluations.id, row.id))
      .returning();
    if (!updated) throw errors.internal();
    await recordAudit(tx, {
      actorId: actor.id,
      action: `evaluation.${input.action}`,
      subjectType: 'evaluation',
      subjectId: row.id,
      before: { status: from },
      after: { status: updated.status },
    });
    after.push(() => app.notify.evaluationChanged(row.id, updated.status));
    // A new phase may close the worksheet to some readers (e.g. withdrawn): re-check sockets in it.
    after.push(async () => void (await revokeDocumentAccess(app, row.id)));
    return updated;
  });
}
