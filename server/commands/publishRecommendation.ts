import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { errors } from '../../shared/errors.ts';
import { conditionalEffectiveDate } from '../../shared/domain/recommendationDates.ts';
import type { Actor } from '../../shared/roles.ts';
import type { PublishBody } from '../../shared/schemas/recommendation.ts';
import { recordAudit } from '../audit/auditLog.ts';
import { authorize } from '../auth/authorize.ts';
import type { AppContext } from '../context.ts';
import { courses, recommendations } from '../db/schema.ts';
import { findCurrentMotion, motionFact } from '../domain/motions.ts';
import { canonicalHash, findLatestVersion, panelSnapshot, recommendationHashInput } from '../domain/recommendations.ts';
import { assertExpectedState, assertStep, lockEvaluation, stepEvaluation } from './evaluationStep.ts';
import { inTransaction } from './unitOfWork.ts';

/**
 * Publishes a finalized (or conditional, once its conditions are met) recommendation as the course's
 * next version: immutable, hashed over its canonical JSON, superseding the course's previous active version.
 */
export async function publishRecommendation(app: AppContext, actor: Actor, input: { evaluationId: string } & PublishBody) {
  return inTransaction(app, async (tx, after) => {
    const { row, subject } = await lockEvaluation(tx, input.evaluationId);
    authorize(actor, 'recommendation.publish', subject);
    assertExpectedState(row, input.expectedState);
    const action = row.status === 'conditional' ? 'publish_conditional' : 'publish';
    const motion = await findCurrentMotion(tx, row.id);
    const facts = { motion: motionFact(motion) };
    assertStep({ row, subject, action, role: actor.role, facts });
    if (motion?.status !== 'carried') throw errors.invalidTransition('Only a carried motion can be published.', { reason: 'guard_failed', failures: [] });

    // The course row's lock serializes publications of one course, so versions stay gap-free and unique.
    await tx.select({ id: courses.id }).from(courses).where(eq(courses.id, row.courseId)).for('update');
    const previous = await findLatestVersion(tx, row.courseId);
    const effectiveOn = action === 'publish_conditional' && row.conditionsMetOn ? conditionalEffectiveDate(row.conditionsMetOn) : null;
    const fields = {
      id: randomUUID(),
      courseId: row.courseId,
      evaluationId: row.id,
      motionId: motion.id,
      version: (previous?.version ?? 0) + 1,
      creditLines: motion.creditLines,
      validFrom: effectiveOn && effectiveOn > motion.validFrom ? effectiveOn : motion.validFrom,
      validUntil: motion.validUntil,
      summary: motion.summary,
      learningOutcomes: motion.learningOutcomes,
      panel: await panelSnapshot(tx, subject),
      conditions: row.conditions,
      supersedesId: previous && !previous.revoked ? previous.id : null,
      publishedBy: actor.id,
      publishedAt: new Date(),
    };
    const [published] = await tx
      .insert(recommendations)
      .values({ ...fields, contentHash: canonicalHash(recommendationHashInput(fields)), signature: null })
      .returning();
    if (!published) throw errors.internal();
    await recordAudit(tx, {
      actorId: actor.id,
      action: 'recommendation.published',
      subjectType: 'recommendation',
      subjectId: published.id,
      before: previous ? { supersedes: previous.id, version: previous.version } : null,
      after: published,
    });
    await stepEvaluation(tx, after, app, { row, subject, action, role: actor.role, actorId: actor.id, facts, detail: { recommendationId: published.id } });
    return published;
  });
}
