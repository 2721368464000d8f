import { and, asc, eq, exists, isNull, lte, not } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { addDays, RE_REVIEW_LEAD_DAYS, reReviewDueOn, todayIso } from '../../shared/domain/recommendationDates.ts';
import type { Database } from '../db/client.ts';
import { evaluations, recommendationRevocations, recommendations } from '../db/schema.ts';
import { findEvaluation, loadEvaluationSubject } from '../domain/evaluations.ts';
import type { Notifier } from '../realtime/notifier.ts';
import { stepEvaluation } from './evaluationStep.ts';

const successor = alias(recommendations, 'successor');

/**
 * Flags re-reviews as the system: every published evaluation whose current (unrevoked, unsuperseded)
 * recommendation is within 120 days of valid-until moves to re_review_due. Idempotent: a flagged
 * evaluation is no longer published, so a repeat finds nothing. Each moves in its own transaction,
 * soonest due first; `onFlagged` hears each one once committed (a failure further on leaves those
 * moved, and told). Returns the evaluations it moved.
 */
export async function flagDueReReviews(
  context: { db: Database; notify: Notifier },
  today = todayIso(),
  onFlagged: (evaluationId: string) => void | Promise<void> = () => {},
): Promise<string[]> {
  const due = await context.db
    .select({ evaluationId: evaluations.id, validUntil: recommendations.validUntil })
    .from(evaluations)
    .innerJoin(recommendations, eq(recommendations.evaluationId, evaluations.id))
    .leftJoin(recommendationRevocations, eq(recommendationRevocations.recommendationId, recommendations.id))
    .where(
      and(
        eq(evaluations.status, 'published'),
        lte(recommendations.validUntil, addDays(today, RE_REVIEW_LEAD_DAYS)),
        isNull(recommendationRevocations.id),
        not(exists(context.db.select({ id: successor.id }).from(successor).where(eq(successor.supersedesId, recommendations.id)))),
      ),
    )
    .orderBy(asc(recommendations.validUntil), asc(evaluations.id));
  const flagged: string[] = [];
  for (const candidate of due) {
    const effects: (() => void | Promise<void>)[] = [];
    const moved = await context.db.transaction(async (tx) => {
      const row = await findEvaluation(tx, candidate.evaluationId, { forUpdate: true });
      if (!row || row.status !== 'published') return false;
      await stepEvaluation(tx, { push: (effect) => effects.push(effect) }, { ...context, documents: null }, {
        row,
        subject: await loadEvaluationSubject(tx, row),
        action: 'flag_re_review',
        role: 'system',
        actorId: null,
        detail: { validUntil: candidate.validUntil, reReviewDueOn: reReviewDueOn(candidate.validUntil) },
      });
      return true;
    });
    for (const effect of effects) await effect();
    if (!moved) continue;
    flagged.push(candidate.evaluationId);
    await onFlagged(candidate.evaluationId);
  }
  return flagged;
}
