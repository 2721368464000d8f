import { eq, sql } from 'drizzle-orm';
import { errors } from '../../shared/errors.ts';
import type { EvaluationSubject } from '../../shared/policies/index.ts';
import { recordAudit } from '../audit/auditLog.ts';
import type { AppContext } from '../context.ts';
import { motions, votes } from '../db/schema.ts';
import { decide, type MotionRow } from '../domain/motions.ts';
import type { EvaluationRow } from '../domain/evaluations.ts';
import { stepEvaluation } from './evaluationStep.ts';
import type { Tx } from '../db/client.ts';
import type { AfterCommit } from './unitOfWork.ts';

/**
 * Applies the quorum rule to an open motion as the panel stands now (the evaluation row locked,
 * `subject` read after the change): after a vote, or after a panelist left the vote by declaring a
 * conflict. A decided motion is closed and audited; a failed one sends the panel back to deliberation.
 */
export async function settleMotion(tx: Tx, after: AfterCommit, app: AppContext, input: { row: EvaluationRow; subject: EvaluationSubject; motion: MotionRow }) {
  const { row, subject, motion } = input;
  const allVotes = await tx.select({ voterId: votes.voterId, choice: votes.choice }).from(votes).where(eq(votes.motionId, motion.id));
  const decision = decide(row.quorumRule, subject, allVotes);
  if (decision.outcome === 'pending') return decision;

  // Closed on the database's clock, as conflicts are declared: a panelist who left the vote in this
  // transaction left it before the close (see loadMotionViews).
  const [closed] = await tx.update(motions).set({ status: decision.outcome, closedAt: sql`clock_timestamp()` }).where(eq(motions.id, motion.id)).returning();
  if (!closed) throw errors.internal();
  await recordAudit(tx, {
    actorId: null,
    action: `motion.${decision.outcome}`,
    subjectType: 'motion',
    subjectId: motion.id,
    before: { status: motion.status },
    after: { status: closed.status, quorumRule: row.quorumRule, tally: decision },
  });
  // After commit: the motion's outcome, then (when it failed) the phase it reopened.
  after.push(() => app.notify.motionChanged(row.id, motion.id, closed.status));
  if (decision.outcome === 'failed') {
    await stepEvaluation(tx, after, app, {
      row,
      subject,
      action: 'reopen_deliberation',
      role: 'system',
      actorId: null,
      facts: { motion: { carried: false, status: 'failed' } },
      detail: { motionId: motion.id },
    });
  }
  return decision;
}
