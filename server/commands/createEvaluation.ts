import { eq } from 'drizzle-orm';
import { errors } from '../../shared/errors.ts';
import type { Actor } from '../../shared/roles.ts';
import type { CreateEvaluationBody } from '../../shared/schemas/evaluation.ts';
import { createEvaluationBodySchema } from '../../shared/schemas/evaluation.ts';
import { jobKinds } from '../../shared/schemas/jobs.ts';
import { evaluationMachine } from '../../shared/workflow/evaluation.ts';
import { recordAudit } from '../audit/auditLog.ts';
import { authorize } from '../auth/authorize.ts';
import type { AppContext } from '../context.ts';
import { courses, evaluations, jobs } from '../db/schema.ts';
import { enqueueJobRow } from '../queues/queues.ts';
import { inTransaction } from './unitOfWork.ts';

/** Opens an evaluation of a course version: row + audit event + summary job, then tells the dashboards. */
export async function createEvaluation(app: AppContext, actor: Actor, input: CreateEvaluationBody) {
  authorize(actor, 'evaluation.create', null);
  const body = createEvaluationBodySchema.parse(input);
  return inTransaction(app, async (tx, after) => {
    const [course] = await tx.select({ id: courses.id }).from(courses).where(eq(courses.id, body.courseId));
    if (!course) throw errors.validation([{ in: 'body', path: 'courseId', message: 'No such course.' }]);
    const [evaluation] = await tx
      .insert(evaluations)
      .values({
        courseId: body.courseId,
        cycle: body.cycle,
        status: evaluationMachine.initial,
        panelSize: body.panelSize,
        reviewDueOn: body.reviewDueOn ?? body.phaseDueDates.independent_review ?? null,
        phaseDueDates: body.phaseDueDates,
        quorumRule: body.quorumRule,
        createdBy: actor.id,
      })
      .returning();
    if (!evaluation) throw errors.internal();
    await recordAudit(tx, {
      actorId: actor.id,
      action: 'evaluation.created',
      subjectType: 'evaluation',
      subjectId: evaluation.id,
      before: null,
      after: evaluation,
    });
    const [job] = await tx
      .insert(jobs)
      .values({ kind: jobKinds.evaluationCreated, subjectType: 'evaluation', subjectId: evaluation.id })
      .returning();
    if (!job) throw errors.internal();
    after.push(() => app.notify.evaluationCreated(evaluation.id));
    after.push(() => enqueueJobRow(app.queues, job));
    return evaluation;
  });
}
