import { Router } from 'express';
import { errors } from '../../../shared/errors.ts';
import { globalAbilities } from '../../../shared/policies/index.ts';
import { idParamsSchema } from '../../../shared/schemas/common.ts';
import { createEvaluationBodySchema, transitionEvaluationBodySchema } from '../../../shared/schemas/evaluation.ts';
import { authorize } from '../../auth/authorize.ts';
import { createEvaluation } from '../../commands/createEvaluation.ts';
import { transitionEvaluation } from '../../commands/transitionEvaluation.ts';
import type { AppContext } from '../../context.ts';
import { findEvaluation, loadEvaluationSubject } from '../../domain/evaluations.ts';
import { endpoint } from '../pipeline.ts';
import { loadEvaluationViews } from './present.ts';

/** Evaluations of course versions: the dashboard list, one evaluation, creation and workflow steps. */
export function evaluationsRouter(app: AppContext): Router {
  const router = Router();

  router.get(
    '/',
    endpoint(app, { allow: 'evaluation.list' }, async ({ actor }) => {
      return { evaluations: await loadEvaluationViews(app.db, actor), abilities: globalAbilities(actor) };
    }),
  );

  router.post(
    '/',
    endpoint(app, { allow: 'evaluation.create', body: createEvaluationBodySchema }, async ({ actor, body, res }) => {
      const created = await createEvaluation(app, actor, body);
      const [view] = await loadEvaluationViews(app.db, actor, [created.id]);
      res.status(201);
      return { evaluation: view };
    }),
  );

  router.get(
    '/:id',
    endpoint(app, { params: idParamsSchema }, async ({ actor, params }) => {
      const row = await findEvaluation(app.db, params.id);
      if (!row) throw errors.notFound('Evaluation');
      authorize(actor, 'evaluation.read', await loadEvaluationSubject(app.db, row));
      const [view] = await loadEvaluationViews(app.db, actor, [row.id]);
      return { evaluation: view };
    }),
  );

  router.post(
    '/:id/transitions',
    endpoint(app, { params: idParamsSchema, body: transitionEvaluationBodySchema }, async ({ actor, params, body }) => {
      await transitionEvaluation(app, actor, { evaluationId: params.id, ...body });
      const [view] = await loadEvaluationViews(app.db, actor, [params.id]);
      return { evaluation: view };
    }),
  );

  return router;
}
