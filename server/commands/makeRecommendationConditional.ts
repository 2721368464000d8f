import { errors } from '../../shared/errors.ts';
import { defaultConditionsDueOn, todayIso } from '../../shared/domain/recommendationDates.ts';
import type { Actor } from '../../shared/roles.ts';
import { setConditionsBodySchema, type SetConditionsBody } from '../../shared/schemas/recommendation.ts';
import { authorize } from '../auth/authorize.ts';
import type { AppContext } from '../context.ts';
import { assertExpectedState, lockEvaluation, stepEvaluation } from './evaluationStep.ts';
import { inTransaction } from './unitOfWork.ts';

/** Marks a finalized recommendation conditional: the conditions and their deadline (90 days unless given). */
export async function makeRecommendationConditional(app: AppContext, actor: Actor, input: { evaluationId: string } & SetConditionsBody) {
  const body = setConditionsBodySchema.parse({ conditions: input.conditions, dueOn: input.dueOn, expectedState: input.expectedState });
  const today = todayIso();
  const dueOn = body.dueOn ?? defaultConditionsDueOn(today);
  if (dueOn <= today) throw errors.validation([{ in: 'body', path: 'dueOn', message: 'The deadline must be after today.' }]);
  return inTransaction(app, async (tx, after) => {
    const { row, subject } = await lockEvaluation(tx, input.evaluationId);
    authorize(actor, 'recommendation.publish', subject);
    assertExpectedState(row, body.expectedState);
    const changes = { conditions: body.conditions, conditionsDueOn: dueOn, conditionsMetOn: null };
    return stepEvaluation(tx, after, app, {
      row: { ...row, ...changes },
      subject,
      action: 'make_conditional',
      role: actor.role,
      actorId: actor.id,
      changes,
    });
  });
}
