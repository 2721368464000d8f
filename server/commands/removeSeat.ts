import { and, eq, isNull } from 'drizzle-orm';
import { errors } from '../../shared/errors.ts';
import type { Actor } from '../../shared/roles.ts';
import { recordAudit } from '../audit/auditLog.ts';
import type { AppContext } from '../context.ts';
import { panelSeats } from '../db/schema.ts';
import { findEvaluation, loadEvaluationSubject } from '../domain/evaluations.ts';
import { revokeEvaluationAccess } from '../realtime/revokeAccess.ts';
import { authorizePanelChange } from './panelAccess.ts';
import { inTransaction } from './unitOfWork.ts';

/** Unseats a reviewer: the seat keeps its row with `removed_at` set; their access ends with the commit. */
export async function removeSeat(app: AppContext, actor: Actor, evaluationId: string, seatId: string) {
  return inTransaction(app, async (tx, after) => {
    const evaluation = await findEvaluation(tx, evaluationId, { forUpdate: true });
    if (!evaluation) throw errors.notFound('Evaluation');
    authorizePanelChange(actor, await loadEvaluationSubject(tx, evaluation));
    const [removed] = await tx
      .update(panelSeats)
      .set({ removedAt: new Date() })
      .where(and(eq(panelSeats.id, seatId), eq(panelSeats.evaluationId, evaluation.id), isNull(panelSeats.removedAt)))
      .returning();
    if (!removed) throw errors.notFound('Seat');
    await recordAudit(tx, {
      actorId: actor.id,
      action: 'panel.seat_removed',
      subjectType: 'evaluation',
      subjectId: evaluation.id,
      before: { seatId: removed.id, reviewerId: removed.reviewerId, seatRole: removed.seatRole },
      after: { removedAt: removed.removedAt },
    });
    // The removed reviewer leaves the evaluation's room before the panel hears of the change.
    after.push(() => revokeEvaluationAccess(app, evaluation.id, removed.reviewerId, 'seat_removed'));
    after.push(() => app.notify.panelChanged(evaluation.id, []));
    return removed;
  });
}
