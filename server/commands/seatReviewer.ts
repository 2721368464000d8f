import { and, eq, isNull, sql } from 'drizzle-orm';
import { conflictReasonLabels } from '../../shared/domain/conflicts.ts';
import { errors } from '../../shared/errors.ts';
import type { Actor } from '../../shared/roles.ts';
import { seatReviewerBodySchema, type SeatReviewerBody } from '../../shared/schemas/panel.ts';
import { recordAudit } from '../audit/auditLog.ts';
import type { AppContext } from '../context.ts';
import { panelSeats, users } from '../db/schema.ts';
import { findEvaluation, loadEvaluationSubject } from '../domain/evaluations.ts';
import { conflictsOf, courseOf } from '../domain/panel.ts';
import { authorizePanelChange } from './panelAccess.ts';
import { inTransaction } from './unitOfWork.ts';

/**
 * Seats a reviewer on an evaluation's panel. Refused when the panel is full, the chair is taken, the
 * reviewer is already seated, or a conflict of interest stands and no justified override was given.
 */
export async function seatReviewer(app: AppContext, actor: Actor, evaluationId: string, input: SeatReviewerBody) {
  const body = seatReviewerBodySchema.parse(input);
  return inTransaction(app, async (tx, after) => {
    // The row lock serializes every seat change of this evaluation: size and chair checks hold at commit.
    const evaluation = await findEvaluation(tx, evaluationId, { forUpdate: true });
    if (!evaluation) throw errors.notFound('Evaluation');
    authorizePanelChange(actor, await loadEvaluationSubject(tx, evaluation));

    const [reviewer] = await tx.select().from(users).where(eq(users.id, body.reviewerId));
    if (!reviewer || reviewer.role !== 'reviewer' || reviewer.disabledAt) {
      throw errors.validation([{ in: 'body', path: 'reviewerId', message: 'No such active reviewer.' }]);
    }
    const seats = await tx
      .select()
      .from(panelSeats)
      .where(and(eq(panelSeats.evaluationId, evaluation.id), isNull(panelSeats.removedAt)));
    if (seats.some((seat) => seat.reviewerId === reviewer.id)) {
      throw errors.conflict(`${reviewer.name} already sits on this panel.`, { reason: 'already_seated' });
    }
    if (seats.length >= evaluation.panelSize) {
      throw errors.conflict(`The panel already has its ${evaluation.panelSize} seats filled; remove a seat first.`, { reason: 'panel_full' });
    }
    if (body.seatRole === 'chair' && seats.some((seat) => seat.seatRole === 'chair')) {
      throw errors.conflict('The panel already has a chair.', { reason: 'chair_taken' });
    }
    const conflicts = await conflictsOf(tx, evaluation.id, reviewer, await courseOf(tx, evaluation));
    if (conflicts.length > 0 && !body.conflictOverride) {
      throw errors.conflict(`${reviewer.name} has a conflict of interest: ${conflicts.map((reason) => conflictReasonLabels[reason]).join('; ')}.`, {
        reason: 'conflict_of_interest',
        conflicts,
      });
    }
    const override = conflicts.length > 0 ? (body.conflictOverride?.justification ?? null) : null;
    const [seat] = await tx
      .insert(panelSeats)
      // The time the row is written, under the evaluation's lock (not the transaction's start, which
      // `now()` is): an override covers exactly the declarations committed before it.
      .values({ evaluationId: evaluation.id, reviewerId: reviewer.id, seatRole: body.seatRole, seatedBy: actor.id, conflictOverride: override, createdAt: sql`clock_timestamp()` })
      .returning();
    if (!seat) throw errors.internal();
    await recordAudit(tx, {
      actorId: actor.id,
      action: 'panel.seat_added',
      subjectType: 'evaluation',
      subjectId: evaluation.id,
      before: null,
      after: { seat, conflicts },
    });
    if (override !== null) {
      await recordAudit(tx, {
        actorId: actor.id,
        action: 'panel.conflict_overridden',
        subjectType: 'evaluation',
        subjectId: evaluation.id,
        before: { reviewerId: reviewer.id, conflicts },
        after: { seatId: seat.id, justification: override },
      });
    }
    after.push(() => app.notify.panelChanged(evaluation.id, [reviewer.id]));
    return seat;
  });
}
