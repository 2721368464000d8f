/** Calendar arithmetic on ISO dates (`YYYY-MM-DD`), in UTC so no time zone shifts a day. */

/** How long a recommendation is valid when the motion does not say. */
export const DEFAULT_VALIDITY_YEARS = 3;
/** Days before valid-until when a re-review falls due. */
export const RE_REVIEW_LEAD_DAYS = 120;
/** Days a conditional recommendation has to meet its conditions by default. */
export const DEFAULT_CONDITIONS_DAYS = 90;

function parse(isoDate: string): Date {
  const [year, month, day] = isoDate.slice(0, 10).split('-').map(Number);
  return new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 1));
}

function format(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Today's date in UTC. */
export function todayIso(now: Date = new Date()): string {
  return format(now);
}

/** Adds (or, when negative, subtracts) whole days. */
export function addDays(isoDate: string, days: number): string {
  const date = parse(isoDate);
  date.setUTCDate(date.getUTCDate() + days);
  return format(date);
}

/** Adds whole years; 29 February lands on 28 February in a year without one. */
export function addYears(isoDate: string, years: number): string {
  const date = parse(isoDate);
  const target = new Date(Date.UTC(date.getUTCFullYear() + years, date.getUTCMonth(), 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  return format(target);
}

/** Valid-until when a motion names only valid-from: three years on. */
export function defaultValidUntil(validFrom: string): string {
  return addYears(validFrom, DEFAULT_VALIDITY_YEARS);
}

/** The day a re-review falls due: 120 days before valid-until. */
export function reReviewDueOn(validUntil: string): string {
  return addDays(validUntil, -RE_REVIEW_LEAD_DAYS);
}

/** True once a recommendation is within 120 days of its valid-until. */
export function isReReviewDue(validUntil: string, today: string): boolean {
  return today >= reReviewDueOn(validUntil);
}

/** The default deadline for conditions set today: 90 days on. */
export function defaultConditionsDueOn(today: string): string {
  return addDays(today, DEFAULT_CONDITIONS_DAYS);
}

/** A conditional recommendation takes effect on the first of the month in which its conditions are met. */
export function conditionalEffectiveDate(conditionsMetOn: string): string {
  return `${conditionsMetOn.slice(0, 7)}-01`;
}

export type RecommendationStatus = 'active' | 'upcoming' | 'expired' | 'superseded' | 'revoked';

/** Where a published version stands today: revoked and superseded win over its dates. */
export function recommendationStatus(
  version: { validFrom: string; validUntil: string; revoked: boolean; superseded: boolean },
  today: string,
): RecommendationStatus {
  if (version.revoked) return 'revoked';
  if (version.superseded) return 'superseded';
  if (today > version.validUntil) return 'expired';
  if (today < version.validFrom) return 'upcoming';
  return 'active';
}
