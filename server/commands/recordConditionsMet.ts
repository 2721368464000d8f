import { eq } from 'drizzle-orm';
import { errors } from '../../shared/errors.ts';
import { conditionalEffectiveDate, todayIso } from '../../shared/domain/recommendationDates.ts';
import type { Actor } from '../../shared/roles.ts';
import { conditionsMetBodySchema, type ConditionsMetBody } from '../../shared/schemas/recommendation.ts';
import { recordAudit } from '../audit/auditLog.ts';
import { authorize } from '../auth/authorize.ts';
import type { AppContext } from '../context.ts';
import { evaluations } from '../db/schema.ts';
import { assertExpectedState, lockEvaluation } from './evaluationStep.ts';
import { inTransaction } from './unitOfWork.ts';

/** Records the day a conditional recommendation's conditions were met; it takes effect on the first of that month. */
export async function recordConditionsMet(app: AppContext, actor: Actor, input: { evaluationId: string } & ConditionsMetBody) {
  const body = conditionsMetBodySchema.parse({ metOn: input.metOn, expectedState: input.expectedState });
  const today = todayIso();
  const metOn = body.metOn ?? today;
  if (metOn > today) throw errors.validation([{ in: 'body', path: 'metOn', message: 'Conditions cannot be met in the future.' }]);
  return inTransaction(app, async (tx, after) => {
    const { row, subject } = await lockEvaluation(tx, input.evaluationId);
    authorize(actor, 'recommendation.publish', subject);
    assertExpectedState(row, body.expectedState);
    if (row.status !== 'conditional') {
      throw errors.invalidTransition(`Conditions are met only on a conditional recommendation; this one is ${row.status.replaceAll('_', ' ')}.`, {
        reason: 'wrong_state',
        failures: [],
      });
    }
    if (row.conditionsMetOn) throw errors.conflict(`The conditions were already recorded as met on ${row.conditionsMetOn}.`);
    if (row.conditionsDueOn && metOn > row.conditionsDueOn) {
      throw errors.conflict(`The conditions were due by ${row.conditionsDueOn}; withdraw the evaluation or open a new one.`, { dueOn: row.conditionsDueOn });
    }
    const [updated] = await tx
      .update(evaluations)
      .set({ conditionsMetOn: metOn, updatedAt: new Date() })
      .where(eq(evaluations.id, row.id))
      .returning();
    if (!updated) throw errors.internal();
    await recordAudit(tx, {
      actorId: actor.id,
      action: 'evaluation.conditions_met',
      subjectType: 'evaluation',
      subjectId: row.id,
      before: { conditionsMetOn: null },
      after: { conditionsMetOn: metOn, effectiveOn: conditionalEffectiveDate(metOn) },
    });
    after.push(() => app.notify.evaluationChanged(row.id, updated.status));
    return updated;
  });
}
