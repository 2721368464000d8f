import { Router } from 'express';
import { errors } from '../../../shared/errors.ts';
import { idParamsSchema } from '../../../shared/schemas/common.ts';
import { declareConflictBodySchema, seatParamsSchema, seatReviewerBodySchema } from '../../../shared/schemas/panel.ts';
import { authorize } from '../../auth/authorize.ts';
import { declareConflict } from '../../commands/declareConflict.ts';
import { authorizePanelChange } from '../../commands/panelAccess.ts';
import { removeSeat } from '../../commands/removeSeat.ts';
import { seatReviewer } from '../../commands/seatReviewer.ts';
import type { AppContext } from '../../context.ts';
import type { DbOrTx } from '../../db/client.ts';
import { findEvaluation, loadEvaluationSubject } from '../../domain/evaluations.ts';
import { loadPanel, suggestReviewers } from '../../domain/panel.ts';
import { endpoint } from '../pipeline.ts';

async function requireEvaluation(db: DbOrTx, id: string) {
  const row = await findEvaluation(db, id);
  if (!row) throw errors.notFound('Evaluation');
  return { row, subject: await loadEvaluationSubject(db, row) };
}

/** An evaluation's panel: roster, reviewer suggestions, seating and unseating, conflict declarations. */
export function panelRouter(app: AppContext): Router {
  const router = Router();

  router.get(
    '/:id/panel',
    endpoint(app, { params: idParamsSchema }, async ({ actor, params }) => {
      const { row, subject } = await requireEvaluation(app.db, params.id);
      authorize(actor, 'panel.read', subject);
      return { panel: await loadPanel(app.db, actor, row, subject) };
    }),
  );

  router.get(
    '/:id/panel/suggestions',
    endpoint(app, { params: idParamsSchema }, async ({ actor, params }) => {
      const { row, subject } = await requireEvaluation(app.db, params.id);
      authorizePanelChange(actor, subject);
      return { suggestions: await suggestReviewers(app.db, row) };
    }),
  );

  router.post(
    '/:id/panel/seats',
    endpoint(app, { params: idParamsSchema, body: seatReviewerBodySchema }, async ({ actor, params, body, res }) => {
      const seat = await seatReviewer(app, actor, params.id, body);
      const { row, subject } = await requireEvaluation(app.db, params.id);
      res.status(201);
      return { seatId: seat.id, panel: await loadPanel(app.db, actor, row, subject) };
    }),
  );

  router.delete(
    '/:id/panel/seats/:seatId',
    endpoint(app, { params: seatParamsSchema }, async ({ actor, params }) => {
      await removeSeat(app, actor, params.id, params.seatId);
      const { row, subject } = await requireEvaluation(app.db, params.id);
      return { panel: await loadPanel(app.db, actor, row, subject) };
    }),
  );

  router.post(
    '/:id/conflicts',
    endpoint(app, { params: idParamsSchema, body: declareConflictBodySchema }, async ({ actor, params, body, res }) => {
      const declaration = await declareConflict(app, actor, params.id, body);
      res.status(201);
      return { declaration: { id: declaration.id, reason: declaration.reason, declaredAt: declaration.createdAt.toISOString() } };
    }),
  );

  return router;
}
