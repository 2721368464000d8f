import { eq } from 'drizzle-orm';
import { errors } from '../../shared/errors.ts';
import type { Actor } from '../../shared/roles.ts';
import { submitReviewBodySchema, type ReviewDraftBody } from '../../shared/schemas/review.ts';
import { checkTransition } from '../../shared/workflow/engine.ts';
import { evaluationMachine, type EvaluationState } from '../../shared/workflow/evaluation.ts';
import { recordAudit } from '../audit/auditLog.ts';
import type { AppContext } from '../context.ts';
import { independentReviews } from '../db/schema.ts';
import { evaluationContext, findEvaluation, loadEvaluationSubject } from '../domain/evaluations.ts';
import { assertDraft, assertMayWriteReview, findReview, loadSubmittedReviewerIds, reviewAuditContent, reviewContent } from '../domain/reviews.ts';
import { stepEvaluation } from './evaluationStep.ts';
import { inTransaction } from './unitOfWork.ts';

/**
 * Submits the actor's independent review, final from then on (audited). When it is the last seated
 * reviewer's, the evaluation moves to deliberation as the `system`, through the workflow, in the same transaction.
 */
export async function submitReview(app: AppContext, actor: Actor, input: { evaluationId: string; review: ReviewDraftBody }) {
  const parsed = submitReviewBodySchema.safeParse(input.review);
  if (!parsed.success) throw errors.validation(parsed.error.issues.map((issue) => ({ in: 'body', path: issue.path.join('.'), message: issue.message })));
  const content = reviewContent(parsed.data);
  return inTransaction(app, async (tx, after) => {
    // The evaluation row lock serializes submissions, so exactly one of them sees the panel complete.
    const row = await findEvaluation(tx, input.evaluationId, { forUpdate: true });
    if (!row) throw errors.notFound('Evaluation');
    const subject = await loadEvaluationSubject(tx, row);
    assertMayWriteReview(actor, subject);
    const existing = await findReview(tx, row.id, actor.id, { forUpdate: true });
    assertDraft(existing);

    const submittedAt = new Date();
    const values = { ...content, status: 'submitted' as const, submittedAt, updatedAt: submittedAt };
    const [review] = existing
      ? await tx.update(independentReviews).set(values).where(eq(independentReviews.id, existing.id)).returning()
      : await tx.insert(independentReviews).values({ evaluationId: row.id, reviewerId: actor.id, ...values }).returning();
    if (!review) throw errors.internal();
    await recordAudit(tx, {
      actorId: actor.id,
      action: 'review.submitted',
      subjectType: 'independent_review',
      subjectId: review.id,
      before: existing ? { status: 'draft' } : null,
      after: { evaluationId: row.id, status: 'submitted', submittedAt, ...reviewAuditContent(content) },
    });

    // After commit, the submission first, then the phase change it may bring.
    after.push(() => app.notify.reviewSubmitted(row.id));
    // The last seated reviewer's submission completes the panel: the system takes the workflow step.
    const facts = { submittedReviewerIds: (await loadSubmittedReviewerIds(tx, [row.id])).get(row.id) ?? [] };
    const check = checkTransition(evaluationMachine, row.status as EvaluationState, 'start_deliberation', 'system', evaluationContext(row, subject, facts));
    const moved = check.ok
      ? await stepEvaluation(tx, after, app, {
          row,
          subject,
          action: 'start_deliberation',
          role: 'system',
          facts,
          actorId: null,
          detail: { by: 'system', reason: 'all_reviews_submitted', reviewsSubmitted: facts.submittedReviewerIds.length },
        })
      : row;
    const evaluationStatus = moved.status as EvaluationState;
    return { review, evaluationStatus };
  });
}
