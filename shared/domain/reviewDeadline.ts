import type { ReviewDeadline } from '../schemas/review.ts';

const DAY_MS = 86_400_000;

/** The date independent reviews are due: the phase's own due date when set, else the evaluation's review due date. */
export function reviewDueOn(evaluation: { reviewDueOn: string | null; phaseDueDates: Partial<Record<string, string>> }): string | null {
  return evaluation.phaseDueDates.independent_review ?? evaluation.reviewDueOn;
}

/** Today's calendar date in UTC, `YYYY-MM-DD`. */
export function todayUtc(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** Days left until `dueOn` as of `today`, and whether an unsubmitted review is overdue (only while reviews are being written). */
export function reviewDeadline(input: { dueOn: string | null; today: string; submitted: boolean; reviewing: boolean }): ReviewDeadline {
  if (!input.dueOn) return { dueOn: null, daysLeft: null, overdue: false };
  const daysLeft = Math.round((Date.parse(`${input.dueOn}T00:00:00Z`) - Date.parse(`${input.today}T00:00:00Z`)) / DAY_MS);
  return { dueOn: input.dueOn, daysLeft, overdue: input.reviewing && !input.submitted && daysLeft < 0 };
}
