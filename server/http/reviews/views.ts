import { inArray } from 'drizzle-orm';
import { activeSeat, can, type ReviewSubject } from '../../../shared/policies/index.ts';
import { reviewDeadline, reviewDueOn, todayUtc } from '../../../shared/domain/reviewDeadline.ts';
import { panelResult } from '../../../shared/rubric/index.ts';
import type { Actor } from '../../../shared/roles.ts';
import type { DeliberationSummary, ReviewAbilities, ReviewDeadline, ReviewOverviewResponse, ReviewProgressRow } from '../../../shared/schemas/review.ts';
import type { DbOrTx } from '../../db/client.ts';
import { users } from '../../db/schema.ts';
import type { EvaluationRow } from '../../domain/evaluations.ts';
import { loadPanelReviews, seatedReviewerIds } from '../../domain/reviews.ts';
import { presentReview, presentReviewer } from './present.ts';

/** The review actions the actor may take, from the shared policies, for the UI to show or hide. */
export function reviewAbilities(actor: Actor, subject: ReviewSubject): ReviewAbilities {
  return {
    'review.read_own': can(actor, 'review.read_own', subject),
    'review.write': can(actor, 'review.write', subject),
    'review.read_panel': can(actor, 'review.read_panel', subject),
    'review.progress': can(actor, 'review.progress', null),
    'review.summary': can(actor, 'review.summary', subject),
  };
}

/** The review deadline for one reviewer (or for the panel when `submitted` is omitted). */
export function deadlineOf(row: EvaluationRow, submitted: boolean): ReviewDeadline {
  return reviewDeadline({ dueOn: reviewDueOn(row), today: todayUtc(), submitted, reviewing: row.status === 'independent_review' });
}

/** Review status of the panel as the actor may see it: their own status, counts, and per-reviewer progress for coordinators. */
export async function loadReviewOverview(db: DbOrTx, actor: Actor, row: EvaluationRow, subject: ReviewSubject): Promise<ReviewOverviewResponse> {
  const abilities = reviewAbilities(actor, subject);
  const seatedIds = seatedReviewerIds(subject);
  const reviews = await loadPanelReviews(db, subject, { submittedOnly: false });
  const byReviewer = new Map(reviews.map(({ review }) => [review.reviewerId, review]));
  const statusOf = (reviewerId: string): ReviewProgressRow['status'] => byReviewer.get(reviewerId)?.status ?? 'not_started';
  const seatedSubmitted = seatedIds.filter((id) => statusOf(id) === 'submitted').length;
  const mine = activeSeat(actor, subject) ? { status: statusOf(actor.id) } : null;

  let progress: ReviewProgressRow[] | null = null;
  if (abilities['review.progress'] && seatedIds.length > 0) {
    const reviewers = await db
      .select({ id: users.id, name: users.name, institution: users.institution })
      .from(users)
      .where(inArray(users.id, seatedIds));
    progress = reviewers
      .map((reviewer) => {
        const review = byReviewer.get(reviewer.id);
        const status = statusOf(reviewer.id);
        return {
          reviewer: presentReviewer(reviewer, subject),
          status,
          submittedAt: review?.submittedAt?.toISOString() ?? null,
          updatedAt: review?.updatedAt.toISOString() ?? null,
          overdue: deadlineOf(row, status === 'submitted').overdue,
        };
      })
      .sort((a, b) => seatOrder(a.reviewer.seatRole) - seatOrder(b.reviewer.seatRole) || a.reviewer.name.localeCompare(b.reviewer.name));
  }
  return {
    evaluationStatus: row.status,
    deadline: deadlineOf(row, mine?.status === 'submitted'),
    abilities,
    mine,
    submitted: seatedSubmitted,
    seated: seatedIds.length,
    progress,
  };
}

/** The deliberation view: the panel's submitted reviews tallied per standard, and each reviewer's proposal. */
export async function loadDeliberationSummary(db: DbOrTx, row: EvaluationRow, subject: ReviewSubject): Promise<DeliberationSummary> {
  const reviews = await loadPanelReviews(db, subject, { submittedOnly: true });
  const views = reviews.map(({ review, reviewer }) => presentReview(review, presentReviewer(reviewer, subject)));
  views.sort((a, b) => seatOrder(a.reviewer.seatRole) - seatOrder(b.reviewer.seatRole) || a.reviewer.name.localeCompare(b.reviewer.name));
  return {
    evaluationId: row.id,
    evaluationStatus: row.status,
    result: panelResult(views.map((view) => view.standards)),
    proposals: views.map((view) => ({ reviewer: view.reviewer, proposedCredit: view.proposedCredit, score: view.score, submittedAt: view.submittedAt })),
  };
}

const seatRoleOrder = ['chair', 'subject_expert', 'member'];
function seatOrder(seatRole: string | null): number {
  const index = seatRole ? seatRoleOrder.indexOf(seatRole) : -1;
  return index === -1 ? seatRoleOrder.length : index;
}
