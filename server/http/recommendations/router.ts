import { Router, type RequestHandler } from 'express';
import { eq } from 'drizzle-orm';
import { errors } from '../../../shared/errors.ts';
import { todayIso } from '../../../shared/domain/recommendationDates.ts';
import { idParamsSchema } from '../../../shared/schemas/common.ts';
import { revokeBodySchema } from '../../../shared/schemas/recommendation.ts';
import type { Actor } from '../../../shared/roles.ts';
import { authorize } from '../../auth/authorize.ts';
import { revokeRecommendation } from '../../commands/revokeRecommendation.ts';
import type { AppContext } from '../../context.ts';
import { recommendations } from '../../db/schema.ts';
import { findEvaluation, loadEvaluationSubject } from '../../domain/evaluations.ts';
import { loadRecommendationViews } from '../../domain/recommendations.ts';
import { endpoint } from '../pipeline.ts';

/** Published recommendation versions in the console: read, revoke, and a clear refusal of any edit. */
export function recommendationsRouter(app: AppContext): Router {
  const router = Router();

  const subjectOf = async (actor: Actor, recommendationId: string) => {
    const [row] = await app.db.select({ evaluationId: recommendations.evaluationId }).from(recommendations).where(eq(recommendations.id, recommendationId));
    if (!row) throw errors.notFound('Recommendation');
    const evaluation = await findEvaluation(app.db, row.evaluationId);
    if (!evaluation) throw errors.notFound('Recommendation');
    const subject = await loadEvaluationSubject(app.db, evaluation);
    authorize(actor, 'evaluation.read', subject);
    return subject;
  };

  router.get(
    '/:id',
    endpoint(app, { params: idParamsSchema }, async ({ actor, params }) => {
      await subjectOf(actor, params.id);
      const [recommendation] = await loadRecommendationViews(app.db, eq(recommendations.id, params.id), todayIso());
      return { recommendation };
    }),
  );

  // Published versions are immutable (the database refuses it too): say so plainly instead of a 404 or a 500.
  const refuseEdit: RequestHandler = endpoint(app, { params: idParamsSchema }, async ({ actor, params }) => {
    authorize(actor, 'recommendation.publish', await subjectOf(actor, params.id));
    throw errors.recommendationImmutable();
  });
  router.put('/:id', refuseEdit);
  router.patch('/:id', refuseEdit);
  router.delete('/:id', refuseEdit);

  router.post(
    '/:id/revocation',
    endpoint(app, { params: idParamsSchema, body: revokeBodySchema }, async ({ actor, params, body, res }) => {
      await revokeRecommendation(app, actor, { recommendationId: params.id, reason: body.reason });
      const [recommendation] = await loadRecommendationViews(app.db, eq(recommendations.id, params.id), todayIso());
      res.status(201);
      return { recommendation };
    }),
  );

  return router;
}
