import { Router } from 'express';
import { errors } from '../../../shared/errors.ts';
import type { Actor } from '../../../shared/roles.ts';
import { idParamsSchema } from '../../../shared/schemas/common.ts';
import {
  reviewDraftBodySchema,
  submitReviewBodySchema,
  type MyReviewResponse,
  type PanelReviewsResponse,
  type ReviewView,
} from '../../../shared/schemas/review.ts';
import { authorize } from '../../auth/authorize.ts';
import { saveReviewDraft } from '../../commands/saveReviewDraft.ts';
import { submitReview } from '../../commands/submitReview.ts';
import type { AppContext } from '../../context.ts';
import type { DbOrTx } from '../../db/client.ts';
import { findEvaluation } from '../../domain/evaluations.ts';
import { findReview, loadPanelReviews, loadReviewSubject, type ReviewRow } from '../../domain/reviews.ts';
import { endpoint } from '../pipeline.ts';
import { presentReview, presentReviewer } from './present.ts';
import { deadlineOf, loadDeliberationSummary, loadReviewOverview, reviewAbilities } from './views.ts';

/** Independent reviews of one evaluation, mounted at /api/evaluations/:id/reviews. */
export function reviewsRouter(app: AppContext): Router {
  const router = Router({ mergeParams: true });

  const load = async (db: DbOrTx, evaluationId: string) => {
    const row = await findEvaluation(db, evaluationId);
    if (!row) throw errors.notFound('Evaluation');
    return { row, subject: await loadReviewSubject(db, row) };
  };
  const presentOwn = (review: ReviewRow, actor: Actor & { name: string }, subject: Awaited<ReturnType<typeof load>>['subject']): ReviewView =>
    presentReview(review, presentReviewer({ id: actor.id, name: actor.name, institution: actor.institution }, subject));

  router.get(
    '/overview',
    endpoint(app, { params: idParamsSchema }, async ({ actor, params }) => {
      const { row, subject } = await load(app.db, params.id);
      authorize(actor, 'evaluation.read', subject);
      return loadReviewOverview(app.db, actor, row, subject);
    }),
  );

  router.get(
    '/mine',
    endpoint(app, { params: idParamsSchema }, async ({ actor, params }): Promise<MyReviewResponse> => {
      const { row, subject } = await load(app.db, params.id);
      authorize(actor, 'review.read_own', subject);
      const review = await findReview(app.db, row.id, actor.id);
      return {
        evaluationStatus: row.status,
        review: review ? presentOwn(review, actor, subject) : null,
        deadline: deadlineOf(row, review?.status === 'submitted'),
        abilities: reviewAbilities(actor, subject),
      };
    }),
  );

  router.put(
    '/mine',
    endpoint(app, { params: idParamsSchema, body: reviewDraftBodySchema }, async ({ actor, params, body }) => {
      const saved = await saveReviewDraft(app, actor, { evaluationId: params.id, draft: body });
      const { subject } = await load(app.db, params.id);
      return { review: presentOwn(saved, actor, subject) };
    }),
  );

  router.post(
    '/mine/submit',
    endpoint(app, { params: idParamsSchema, body: submitReviewBodySchema }, async ({ actor, params, body }) => {
      const { review, evaluationStatus } = await submitReview(app, actor, { evaluationId: params.id, review: body });
      const { subject } = await load(app.db, params.id);
      return { review: presentOwn(review, actor, subject), evaluationStatus, abilities: reviewAbilities(actor, subject) };
    }),
  );

  router.get(
    '/',
    endpoint(app, { params: idParamsSchema }, async ({ actor, params }): Promise<PanelReviewsResponse> => {
      const { subject } = await load(app.db, params.id);
      authorize(actor, 'review.read_panel', subject);
      const reviews = await loadPanelReviews(app.db, subject, { submittedOnly: true });
      return { reviews: reviews.map(({ review, reviewer }) => presentReview(review, presentReviewer(reviewer, subject))) };
    }),
  );

  router.get(
    '/summary',
    endpoint(app, { params: idParamsSchema }, async ({ actor, params }) => {
      const { row, subject } = await load(app.db, params.id);
      authorize(actor, 'review.summary', subject);
      return loadDeliberationSummary(app.db, row, subject);
    }),
  );

  return router;
}
