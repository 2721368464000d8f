import { errors } from '../../shared/errors.ts';
import type { Actor } from '../../shared/roles.ts';
import { putMotionBodySchema, type PutMotionBody } from '../../shared/schemas/motion.ts';
import { recordAudit } from '../audit/auditLog.ts';
import { authorize } from '../auth/authorize.ts';
import type { AppContext } from '../context.ts';
import { motions } from '../db/schema.ts';
import { assertStep, lockEvaluation, stepEvaluation } from './evaluationStep.ts';
import { inTransaction } from './unitOfWork.ts';

const openMotion = { motion: { carried: false, status: 'open' as const } };

/** The chair puts a motion to the panel, which calls the vote: deliberation → voting. */
export async function putMotion(app: AppContext, actor: Actor, input: { evaluationId: string; motion: PutMotionBody }) {
  const body = putMotionBodySchema.parse(input.motion);
  return inTransaction(app, async (tx, after) => {
    const { row, subject } = await lockEvaluation(tx, input.evaluationId);
    authorize(actor, 'motion.put', subject);
    // The step's own guard (a motion is open) is what this command satisfies; state and role are checked first.
    assertStep({ row, subject, action: 'call_vote', role: actor.role, facts: openMotion });
    const [motion] = await tx
      .insert(motions)
      .values({ evaluationId: row.id, putBy: actor.id, ...body })
      .returning();
    if (!motion) throw errors.internal();
    await recordAudit(tx, { actorId: actor.id, action: 'motion.put', subjectType: 'motion', subjectId: motion.id, before: null, after: motion });
    // After commit, the motion first, then the phase it moved the evaluation to.
    after.push(() => app.notify.motionChanged(row.id, motion.id, motion.status));
    await stepEvaluation(tx, after, app, { row, subject, action: 'call_vote', role: actor.role, actorId: actor.id, facts: openMotion, detail: { motionId: motion.id } });
    return motion;
  });
}
