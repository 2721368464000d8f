import { eq } from 'drizzle-orm';
import { errors } from '../../shared/errors.ts';
import type { Actor } from '../../shared/roles.ts';
import { reviewDraftBodySchema, type ReviewDraftBody } from '../../shared/schemas/review.ts';
import { recordAudit } from '../audit/auditLog.ts';
import type { AppContext } from '../context.ts';
import { independentReviews } from '../db/schema.ts';
import { findEvaluation, loadEvaluationSubject } from '../domain/evaluations.ts';
import { assertDraft, assertMayWriteReview, findReview, reviewAuditContent, reviewContent, sameContent } from '../domain/reviews.ts';
import { inTransaction } from './unitOfWork.ts';

/** Saves (autosaves) the actor's draft independent review; a save that changes nothing writes nothing. Audited. */
export async function saveReviewDraft(app: AppContext, actor: Actor, input: { evaluationId: string; draft: ReviewDraftBody }) {
  const parsed = reviewDraftBodySchema.safeParse(input.draft);
  if (!parsed.success) throw errors.validation(parsed.error.issues.map((issue) => ({ in: 'body', path: issue.path.join('.'), message: issue.message })));
  const content = reviewContent(parsed.data);
  return inTransaction(app, async (tx) => {
    // Locking the evaluation serializes review writes with the submission that may move it to deliberation.
    const row = await findEvaluation(tx, input.evaluationId, { forUpdate: true });
    if (!row) throw errors.notFound('Evaluation');
    assertMayWriteReview(actor, await loadEvaluationSubject(tx, row));
    const existing = await findReview(tx, row.id, actor.id, { forUpdate: true });
    assertDraft(existing);
    if (existing && sameContent(existing, content)) return existing;

    const [saved] = existing
      ? await tx.update(independentReviews).set({ ...content, updatedAt: new Date() }).where(eq(independentReviews.id, existing.id)).returning()
      : await tx.insert(independentReviews).values({ evaluationId: row.id, reviewerId: actor.id, ...content }).returning();
    if (!saved) throw errors.internal();
    await recordAudit(tx, {
      actorId: actor.id,
      action: existing ? 'review.draft_saved' : 'review.draft_started',
      subjectType: 'independent_review',
      subjectId: saved.id,
      // Digests, not text: a draft is its author's alone until submitted (the log is readable by admins).
      before: existing ? reviewAuditContent(existing) : null,
      after: { evaluationId: row.id, status: 'draft', ...reviewAuditContent(content, existing) },
    });
    return saved;
  });
}
