import { sql } from 'drizzle-orm';
import { errors } from '../../shared/errors.ts';
import type { Actor } from '../../shared/roles.ts';
import { declareConflictBodySchema, type DeclareConflictBody } from '../../shared/schemas/panel.ts';
import { recordAudit } from '../audit/auditLog.ts';
import { authorize } from '../auth/authorize.ts';
import type { AppContext } from '../context.ts';
import { conflictDeclarations } from '../db/schema.ts';
import { findEvaluation, loadEvaluationSubject } from '../domain/evaluations.ts';
import { findCurrentMotion } from '../domain/motions.ts';
import { revokeEvaluationAccess } from '../realtime/revokeAccess.ts';
import { settleMotion } from './settleMotion.ts';
import { inTransaction } from './unitOfWork.ts';

/**
 * Records a reviewer's declared conflict of interest. The shared policy treats a conflicted seat as
 * no seat, so a seated reviewer loses access with the commit; their open pages and sockets are told after.
 */
export async function declareConflict(app: AppContext, actor: Actor, evaluationId: string, input: DeclareConflictBody) {
  const body = declareConflictBodySchema.parse(input);
  return inTransaction(app, async (tx, after) => {
    const evaluation = await findEvaluation(tx, evaluationId, { forUpdate: true });
    if (!evaluation) throw errors.notFound('Evaluation');
    const subject = await loadEvaluationSubject(tx, evaluation);
    authorize(actor, 'conflict.declare', subject);
    // Stamped when written, under the evaluation's lock (see seatReviewer): a seat's override never
    // covers a declaration it could not have seen.
    const [declaration] = await tx
      .insert(conflictDeclarations)
      .values({ evaluationId: evaluation.id, reviewerId: actor.id, reason: body.reason, createdAt: sql`clock_timestamp()` })
      .returning();
    if (!declaration) throw errors.internal();
    const wasSeated = subject.seats.some((seat) => seat.reviewerId === actor.id);
    await recordAudit(tx, {
      actorId: actor.id,
      action: 'conflict.declared',
      subjectType: 'evaluation',
      subjectId: evaluation.id,
      before: null,
      after: { declaration, seated: wasSeated },
    });
    // The declarer leaves the evaluation's room before the panel hears of the change.
    if (wasSeated) after.push(() => revokeEvaluationAccess(app, evaluation.id, actor.id, 'conflict_declared'));
    after.push(() => app.notify.panelChanged(evaluation.id, []));
    // A vote under way goes on without them: what is cast may now decide the motion (else it would
    // wait for a vote that can no longer come).
    const motion = wasSeated && evaluation.status === 'voting' ? await findCurrentMotion(tx, evaluation.id) : null;
    if (motion?.status === 'open') await settleMotion(tx, after, app, { row: evaluation, subject: await loadEvaluationSubject(tx, evaluation), motion });
    return declaration;
  });
}
