import { and, eq } from 'drizzle-orm';
import { errors } from '../../shared/errors.ts';
import type { Actor } from '../../shared/roles.ts';
import { castVoteBodySchema, type CastVoteBody } from '../../shared/schemas/motion.ts';
import { recordAudit } from '../audit/auditLog.ts';
import { authorize } from '../auth/authorize.ts';
import type { AppContext } from '../context.ts';
import { motions, votes } from '../db/schema.ts';
import { decide } from '../domain/motions.ts';
import { lockEvaluation, stepEvaluation } from './evaluationStep.ts';
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

    const allVotes = await tx.select({ voterId: votes.voterId, choice: votes.choice }).from(votes).where(eq(votes.motionId, motion.id));
    const decision = decide(row.quorumRule, subject, allVotes);
    after.push(() => app.notify.voteCast(row.id, motion.id));
    if (decision.outcome === 'pending') return { vote, decision };

    const [closed] = await tx
      .update(motions)
      .set({ status: decision.outcome, closedAt: new Date() })
      .where(eq(motions.id, motion.id))
      .returning();
    if (!closed) throw errors.internal();
    await recordAudit(tx, {
      actorId: null,
      action: `motion.${decision.outcome}`,
      subjectType: 'motion',
      subjectId: motion.id,
      before: { status: motion.status },
      after: { status: closed.status, quorumRule: row.quorumRule, tally: decision },
    });
    // After commit: the vote, the motion's outcome, then (when it failed) the phase it reopened.
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
    return { vote, decision };
  });
}
