import { Router } from 'express';
import { errors } from '../../../shared/errors.ts';
import { idParamsSchema } from '../../../shared/schemas/common.ts';
import { castVoteBodySchema, motionParamsSchema, putMotionBodySchema } from '../../../shared/schemas/motion.ts';
import { conditionsMetBodySchema, publishBodySchema, setConditionsBodySchema } from '../../../shared/schemas/recommendation.ts';
import type { Actor } from '../../../shared/roles.ts';
import { authorize } from '../../auth/authorize.ts';
import { castVote } from '../../commands/castVote.ts';
import { makeRecommendationConditional } from '../../commands/makeRecommendationConditional.ts';
import { publishRecommendation } from '../../commands/publishRecommendation.ts';
import { putMotion } from '../../commands/putMotion.ts';
import { recordConditionsMet } from '../../commands/recordConditionsMet.ts';
import type { AppContext } from '../../context.ts';
import { findEvaluation, loadEvaluationSubject } from '../../domain/evaluations.ts';
import { endpoint } from '../pipeline.ts';
import { loadDecisionView } from './present.ts';

/** An evaluation's decision: motions, votes, conditions and publication (mounted under /evaluations). */
export function decisionsRouter(app: AppContext): Router {
  const router = Router();

  const decisionOf = async (actor: Actor, evaluationId: string) => {
    const row = await findEvaluation(app.db, evaluationId);
    if (!row) throw errors.notFound('Evaluation');
    const subject = await loadEvaluationSubject(app.db, row);
    authorize(actor, 'evaluation.read', subject);
    return loadDecisionView(app.db, actor, row, subject);
  };

  router.get(
    '/:id/decision',
    endpoint(app, { params: idParamsSchema }, async ({ actor, params }) => ({ decision: await decisionOf(actor, params.id) })),
  );

  router.post(
    '/:id/motions',
    endpoint(app, { params: idParamsSchema, body: putMotionBodySchema }, async ({ actor, params, body, res }) => {
      const motion = await putMotion(app, actor, { evaluationId: params.id, motion: body });
      res.status(201);
      return { motionId: motion.id, decision: await decisionOf(actor, params.id) };
    }),
  );

  router.post(
    '/:id/motions/:motionId/votes',
    endpoint(app, { params: motionParamsSchema, body: castVoteBodySchema }, async ({ actor, params, body, res }) => {
      const { decision } = await castVote(app, actor, { evaluationId: params.id, motionId: params.motionId, vote: body });
      res.status(201);
      return { outcome: decision.outcome, decision: await decisionOf(actor, params.id) };
    }),
  );

  router.post(
    '/:id/conditions',
    endpoint(app, { params: idParamsSchema, body: setConditionsBodySchema }, async ({ actor, params, body }) => {
      await makeRecommendationConditional(app, actor, { evaluationId: params.id, ...body });
      return { decision: await decisionOf(actor, params.id) };
    }),
  );

  router.post(
    '/:id/conditions/met',
    endpoint(app, { params: idParamsSchema, body: conditionsMetBodySchema }, async ({ actor, params, body }) => {
      await recordConditionsMet(app, actor, { evaluationId: params.id, ...body });
      return { decision: await decisionOf(actor, params.id) };
    }),
  );

  router.post(
    '/:id/recommendations',
    endpoint(app, { params: idParamsSchema, body: publishBodySchema }, async ({ actor, params, body, res }) => {
      const published = await publishRecommendation(app, actor, { evaluationId: params.id, ...body });
      res.status(201);
      return { recommendationId: published.id, decision: await decisionOf(actor, params.id) };
    }),
  );

  return router;
}
