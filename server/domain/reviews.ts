import { createHash } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import { errors } from '../../shared/errors.ts';
import { can, type EvaluationSubject, type ReviewSubject } from '../../shared/policies/index.ts';
import type { Actor } from '../../shared/roles.ts';
import type { ReviewDraftBody } from '../../shared/schemas/review.ts';
import { authorize } from '../auth/authorize.ts';
import type { DbOrTx } from '../db/client.ts';
import { independentReviews, users } from '../db/schema.ts';
import { loadEvaluationSubject, type EvaluationRow } from './evaluations.ts';

export type ReviewRow = typeof independentReviews.$inferSelect;
export type ReviewContent = Pick<ReviewRow, 'standards' | 'comments' | 'proposedCredit'>;

/** Who has submitted an independent review, per evaluation (every reviewer, seated or not: callers filter by seat). */
export async function loadSubmittedReviewerIds(db: DbOrTx, evaluationIds: readonly string[]): Promise<Map<string, string[]>> {
  const submitted = new Map<string, string[]>(evaluationIds.map((id) => [id, []]));
  if (evaluationIds.length === 0) return submitted;
  const rows = await db
    .select({ evaluationId: independentReviews.evaluationId, reviewerId: independentReviews.reviewerId })
    .from(independentReviews)
    .where(and(inArray(independentReviews.evaluationId, [...evaluationIds]), eq(independentReviews.status, 'submitted')));
  for (const row of rows) submitted.get(row.evaluationId)?.push(row.reviewerId);
  return submitted;
}

/** The policy facts of an evaluation plus who has submitted, for the review policies. */
export async function loadReviewSubject(db: DbOrTx, row: EvaluationRow): Promise<ReviewSubject> {
  // One query at a time: on a transaction's client, concurrent queries are deprecated by node-postgres.
  const subject = await loadEvaluationSubject(db, row);
  const submitted = await loadSubmittedReviewerIds(db, [row.id]);
  return { ...subject, submittedReviewerIds: submitted.get(row.id) ?? [] };
}

/** Reviewer ids of the current, unconflicted panel. */
export function seatedReviewerIds(subject: EvaluationSubject): string[] {
  return subject.seats.filter((seat) => !seat.conflicted).map((seat) => seat.reviewerId);
}

/** One reviewer's review of one evaluation, optionally locked. */
export async function findReview(db: DbOrTx, evaluationId: string, reviewerId: string, options: { forUpdate?: boolean } = {}) {
  const query = db
    .select()
    .from(independentReviews)
    .where(and(eq(independentReviews.evaluationId, evaluationId), eq(independentReviews.reviewerId, reviewerId)));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  return row ?? null;
}

/** Every review of an evaluation written by a current, unconflicted panelist, with its author. */
export async function loadPanelReviews(db: DbOrTx, subject: EvaluationSubject, options: { submittedOnly: boolean }) {
  const reviewerIds = seatedReviewerIds(subject);
  if (reviewerIds.length === 0) return [];
  const conditions = [eq(independentReviews.evaluationId, subject.id), inArray(independentReviews.reviewerId, reviewerIds)];
  if (options.submittedOnly) conditions.push(eq(independentReviews.status, 'submitted'));
  return db
    .select({ review: independentReviews, reviewer: { id: users.id, name: users.name, institution: users.institution } })
    .from(independentReviews)
    .innerJoin(users, eq(users.id, independentReviews.reviewerId))
    .where(and(...conditions))
    .orderBy(independentReviews.submittedAt, independentReviews.createdAt);
}

/**
 * Refuses a review write with the most useful reason: not on the panel (403), the wrong phase (409
 * `wrong_phase`), then the policy itself as the final gate.
 */
export function assertMayWriteReview(actor: Actor, subject: EvaluationSubject): void {
  if (!can(actor, 'review.read_own', subject)) authorize(actor, 'review.write', subject);
  if (subject.status !== 'independent_review') {
    throw errors.conflict(`Independent reviews are written during independent review; this evaluation is in ${subject.status.replaceAll('_', ' ')}.`, {
      reason: 'wrong_phase',
      status: subject.status,
    });
  }
  authorize(actor, 'review.write', subject);
}

/** Refuses any change to a submitted review: submission is final. */
export function assertDraft(review: ReviewRow | null): void {
  if (review?.status === 'submitted') {
    throw errors.conflict('Your review is submitted and can no longer be changed.', { reason: 'review_submitted' });
  }
}

/** The stored content of a review body: standards in rubric order, credit subjects trimmed. */
export function reviewContent(body: ReviewDraftBody): ReviewContent {
  const standards: ReviewContent['standards'] = {};
  for (const [id, mark] of Object.entries(body.standards)) if (mark) standards[id] = { met: mark.met, comment: mark.comment };
  return {
    standards,
    comments: body.comments,
    proposedCredit: body.proposedCredit.map((line) => ({ semesterHours: line.semesterHours, level: line.level, subject: line.subject.trim() })),
  };
}

/**
 * What the audit log keeps of a review's content: its digest and which parts changed, never the
 * text. A draft is private to its author until submitted, and the log is readable by admins; the
 * digest still ties each audit event to the exact content stored then.
 */
export function reviewAuditContent(content: ReviewContent, previous?: ReviewContent | null) {
  const parts = ['standards', 'comments', 'proposedCredit'] as const;
  const digest = (value: ReviewContent) => createHash('sha256').update(JSON.stringify(normalized(value))).digest('hex');
  return {
    contentSha256: digest(content),
    ...(previous ? { changed: parts.filter((part) => JSON.stringify(normalized(previous)[part]) !== JSON.stringify(normalized(content)[part])) } : {}),
  };
}

/** True when two contents are the same review (an autosave that changed nothing writes nothing). */
export function sameContent(a: ReviewContent, b: ReviewContent): boolean {
  return JSON.stringify(normalized(a)) === JSON.stringify(normalized(b));
}

function normalized(content: ReviewContent) {
  const standards = Object.keys(content.standards)
    .sort()
    .map((id) => [id, content.standards[id]?.met ?? null, content.standards[id]?.comment ?? '']);
  return { standards, comments: content.comments, proposedCredit: content.proposedCredit.map((line) => [line.semesterHours, line.level, line.subject]) };
}
