import { and, eq } from 'drizzle-orm';
import { errors } from '../../shared/errors.ts';
import type { Actor } from '../../shared/roles.ts';
import { castVoteBodySchema, type CastVoteBody } from '../../shared/schemas/motion.ts';
import { recordAudit } from '../audit/auditLog.ts';
import { authorize } from '../auth/authorize.ts';
import type { AppContext } from '../context.ts';
import { motions, votes } from '../db/schema.ts';
import { lockEvaluation } from './evaluationStep.ts';
import { settleMotion } from './settleMotion.ts';
import { inTransaction } from './unitOfWork.ts';

/**
 * A seated panelist votes once on the open motion. The quorum rule then decides it: a carried motion
 * waits for the coordinator to finalize; a failed one sends the panel back to deliberation.
 */
export async function castVote(app: AppContext, actor: Actor, input: { evaluationId: string; motionId: string; vote: CastVoteBody }) {
  const body = castVoteBodySchema.parse(input.vote);
  return inTransaction(app, async (tx, after) => {
    // The evaluation's row lock serializes the panel's votes, so each decision sees every earlier vote.
    const { row, subject } = await lockEvaluation(tx, input.evaluationId);
    authorize(actor, 'motion.vote', subject);
    const [motion] = await tx
      .select()
      .from(motions)
      .where(and(eq(motions.id, input.motionId), eq(motions.evaluationId, row.id)));
    if (!motion) throw errors.notFound('Motion');
    const [existing] = await tx
      .select({ id: votes.id })
      .from(votes)
      .where(and(eq(votes.motionId, motion.id), eq(votes.voterId, actor.id)));
    if (existing) throw errors.alreadyVoted();
    if (motion.status !== 'open') throw errors.motionClosed(motion.status);
    if (row.status !== 'voting') {
      throw errors.invalidTransition(`Votes are cast only while the evaluation is voting; it is ${row.status.replaceAll('_', ' ')}.`, {
        reason: 'wrong_state',
        failures: [],
      });
    }

    const [vote] = await tx
      .insert(votes)
      .values({ motionId: motion.id, voterId: actor.id, choice: body.choice, note: body.note || null })
      .returning();
    if (!vote) throw errors.internal();
    await recordAudit(tx, { actorId: actor.id, action: 'vote.cast', subjectType: 'motion', subjectId: motion.id, before: null, after: vote });

    after.push(() => app.notify.voteCast(row.id, motion.id));
    const decision = await settleMotion(tx, after, app, { row, subject, motion });
    return { vote, decision };
  });
}
