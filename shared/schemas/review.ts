import { z } from 'zod';
import type { SeatRole } from '../policies/evaluation.ts';
import { standardIds } from '../rubric/standards.ts';
import type { PanelResult, ReviewMarks, RubricScore } from '../rubric/scoring.ts';
import { reviewProblems } from '../rubric/submission.ts';
import { draftCreditLineSchema, type CreditLevel } from './credit.ts';

export const standardMarkSchema = z.strictObject({
  met: z.boolean().nullable(),
  comment: z.string().max(2000),
});

/** Marks keyed by rubric standard id; an unknown id is refused. */
export const reviewMarksSchema = z.partialRecord(z.enum(standardIds), standardMarkSchema);

/** A draft as the reviewer's form autosaves it: anything may still be undecided. */
export const reviewDraftBodySchema = z.strictObject({
  standards: reviewMarksSchema,
  comments: z.string().max(20_000),
  proposedCredit: z.array(draftCreditLineSchema).max(6, 'At most 6 credit lines.'),
});
export type ReviewDraftBody = z.infer<typeof reviewDraftBodySchema>;

/** A review being submitted: the same shape, complete (see reviewProblems). */
export const submitReviewBodySchema = reviewDraftBodySchema.superRefine((review, context) => {
  for (const problem of reviewProblems(review)) context.addIssue({ code: 'custom', path: problem.path, message: problem.message });
});

export const reviewStatuses = ['draft', 'submitted'] as const;
export type ReviewStatus = (typeof reviewStatuses)[number];

export interface CreditLineView {
  semesterHours: number;
  level: CreditLevel;
  subject: string;
}

export interface ReviewerView {
  id: string;
  name: string;
  institution: string;
  seatRole: SeatRole | null;
}

/** One independent review as its reader may see it. */
export interface ReviewView {
  id: string;
  evaluationId: string;
  reviewer: ReviewerView;
  status: ReviewStatus;
  standards: ReviewMarks;
  comments: string;
  proposedCredit: CreditLineView[];
  submittedAt: string | null;
  updatedAt: string;
  score: RubricScore;
}

/** When reviews are due, as of today (UTC). */
export interface ReviewDeadline {
  dueOn: string | null;
  /** Days until the due date; negative once it has passed; null without a due date. */
  daysLeft: number | null;
  overdue: boolean;
}

/** The review actions the caller may take on this evaluation, from the shared policies. */
export type ReviewAbilities = Record<'review.read_own' | 'review.write' | 'review.read_panel' | 'review.progress' | 'review.summary', boolean>;

export interface MyReviewResponse {
  evaluationStatus: string;
  review: ReviewView | null;
  deadline: ReviewDeadline;
  abilities: ReviewAbilities;
}

/** One seated reviewer's submission status: never the contents. */
export interface ReviewProgressRow {
  reviewer: ReviewerView;
  status: ReviewStatus | 'not_started';
  submittedAt: string | null;
  updatedAt: string | null;
  overdue: boolean;
}

export interface ReviewOverviewResponse {
  evaluationStatus: string;
  deadline: ReviewDeadline;
  abilities: ReviewAbilities;
  /** The caller's own review status when they sit on the panel. */
  mine: { status: ReviewStatus | 'not_started' } | null;
  submitted: number;
  seated: number;
  /** Per reviewer, for those who may watch progress (coordinators). */
  progress: ReviewProgressRow[] | null;
}

export interface PanelReviewsResponse {
  reviews: ReviewView[];
}

/** The deliberation view: per standard agreement, the score against the pass rule, proposals side by side. */
export interface DeliberationSummary {
  evaluationId: string;
  evaluationStatus: string;
  result: PanelResult;
  proposals: { reviewer: ReviewerView; proposedCredit: CreditLineView[]; score: RubricScore; submittedAt: string | null }[];
}
