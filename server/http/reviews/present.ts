import type { EvaluationSubject } from '../../../shared/policies/index.ts';
import { reviewScore } from '../../../shared/rubric/index.ts';
import type { ReviewerView, ReviewView } from '../../../shared/schemas/review.ts';
import type { ReviewRow } from '../../domain/reviews.ts';

/** The reviewer as panel views show them, with their seat role when seated. */
export function presentReviewer(reviewer: { id: string; name: string; institution: string }, subject: EvaluationSubject): ReviewerView {
  const seat = subject.seats.find((candidate) => candidate.reviewerId === reviewer.id);
  return { id: reviewer.id, name: reviewer.name, institution: reviewer.institution, seatRole: seat?.seatRole ?? null };
}

/** The wire shape of one review, with its score against the pass rule. */
export function presentReview(review: ReviewRow, reviewer: ReviewerView): ReviewView {
  return {
    id: review.id,
    evaluationId: review.evaluationId,
    reviewer,
    status: review.status,
    standards: review.standards,
    comments: review.comments,
    proposedCredit: review.proposedCredit,
    submittedAt: review.submittedAt?.toISOString() ?? null,
    updatedAt: review.updatedAt.toISOString(),
    score: reviewScore(review.standards),
  };
}
