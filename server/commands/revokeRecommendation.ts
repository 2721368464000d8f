import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { errors } from '../../shared/errors.ts';
import type { Actor } from '../../shared/roles.ts';
import { revokeBodySchema, type RevokeBody } from '../../shared/schemas/recommendation.ts';
import { recordAudit } from '../audit/auditLog.ts';
import { authorize } from '../auth/authorize.ts';
import type { AppContext } from '../context.ts';
import { recommendationRevocations, recommendations } from '../db/schema.ts';
import { canonicalHash } from '../domain/recommendations.ts';
import { assertStep, lockEvaluation, stepEvaluation } from './evaluationStep.ts';
import { inTransaction } from './unitOfWork.ts';

/** Revokes a published recommendation: a revocation record of its own (never an edit), and its evaluation → revoked. */
export async function revokeRecommendation(app: AppContext, actor: Actor, input: { recommendationId: string } & RevokeBody) {
  const body = revokeBodySchema.parse({ reason: input.reason });
  return inTransaction(app, async (tx, after) => {
    const [recommendation] = await tx.select().from(recommendations).where(eq(recommendations.id, input.recommendationId));
    if (!recommendation) throw errors.notFound('Recommendation');
    const { row, subject } = await lockEvaluation(tx, recommendation.evaluationId);
    authorize(actor, 'recommendation.revoke', subject);
    assertStep({ row, subject, action: 'revoke', role: actor.role });
    const [already] = await tx
      .select({ id: recommendationRevocations.id })
      .from(recommendationRevocations)
      .where(eq(recommendationRevocations.recommendationId, recommendation.id));
    if (already) throw errors.conflict('This recommendation is already revoked.');

    const fields = { id: randomUUID(), recommendationId: recommendation.id, reason: body.reason, revokedBy: actor.id, revokedAt: new Date() };
    const contentHash = canonicalHash({ ...fields, revokedAt: fields.revokedAt.toISOString(), recommendationContentHash: recommendation.contentHash });
    const [revocation] = await tx.insert(recommendationRevocations).values({ ...fields, contentHash, signature: null }).returning();
    if (!revocation) throw errors.internal();
    await recordAudit(tx, {
      actorId: actor.id,
      action: 'recommendation.revoked',
      subjectType: 'recommendation',
      subjectId: recommendation.id,
      before: { version: recommendation.version },
      after: revocation,
    });
    await stepEvaluation(tx, after, app, { row, subject, action: 'revoke', role: actor.role, actorId: actor.id, detail: { recommendationId: recommendation.id, reason: body.reason } });
    return revocation;
  });
}
