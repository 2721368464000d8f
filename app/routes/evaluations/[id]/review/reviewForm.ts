import { rubricStandards, type StandardMark } from '$shared/rubric/index.ts';
import type { CreditLevel } from '$shared/schemas/credit.ts';
import type { ReviewDraftBody, ReviewView } from '$shared/schemas/review.ts';

/** The reviewer's form: every standard present (undecided ones with `met: null`). */
export interface ReviewForm {
  standards: Record<string, StandardMark>;
  comments: string;
  proposedCredit: { semesterHours: number; level: CreditLevel; subject: string }[];
}

/** The form for a stored review, or a blank one. */
export function formFrom(review: ReviewView | null): ReviewForm {
  const standards: Record<string, StandardMark> = {};
  for (const standard of rubricStandards) {
    const mark = review?.standards[standard.id];
    standards[standard.id] = { met: mark?.met ?? null, comment: mark?.comment ?? '' };
  }
  return {
    standards,
    comments: review?.comments ?? '',
    proposedCredit: review?.proposedCredit.map((line) => ({ ...line })) ?? [],
  };
}

/** The request body for a form (drafts and submission share it). */
export function bodyOf(form: ReviewForm): ReviewDraftBody {
  return { standards: form.standards, comments: form.comments, proposedCredit: form.proposedCredit };
}

/** 0.5, 1, …, 12: the semester hours a credit line may carry. */
export const semesterHourOptions = Array.from({ length: 24 }, (_, index) => (index + 1) / 2);
