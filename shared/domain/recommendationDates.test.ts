import { describe, expect, it } from 'vitest';
import {
  addDays,
  addYears,
  conditionalEffectiveDate,
  defaultConditionsDueOn,
  defaultValidUntil,
  isReReviewDue,
  recommendationStatus,
  reReviewDueOn,
} from './recommendationDates.ts';

describe('recommendation dates', () => {
  it('defaults valid-until to three years after valid-from', () => {
    expect(defaultValidUntil('2013-02-01')).toBe('2016-02-01');
    expect(defaultValidUntil('2024-02-29')).toBe('2027-02-28');
    expect(addYears('2023-12-31', 1)).toBe('2024-12-31');
  });

  it('flags a re-review 120 days before valid-until', () => {
    expect(reReviewDueOn('2016-02-01')).toBe('2015-10-04');
    expect(addDays(reReviewDueOn('2016-02-01'), 120)).toBe('2016-02-01');
    expect(isReReviewDue('2016-02-01', '2015-10-03')).toBe(false);
    expect(isReReviewDue('2016-02-01', '2015-10-04')).toBe(true);
    expect(isReReviewDue('2016-02-01', '2017-01-01')).toBe(true);
  });

  it('gives conditions 90 days by default and takes effect on the first of the month they are met', () => {
    expect(defaultConditionsDueOn('2026-01-15')).toBe('2026-04-15');
    expect(conditionalEffectiveDate('2026-03-17')).toBe('2026-03-01');
  });

  it('names where a version stands, revoked and superseded first', () => {
    const dates = { validFrom: '2026-01-01', validUntil: '2029-01-01' };
    expect(recommendationStatus({ ...dates, revoked: false, superseded: false }, '2026-06-01')).toBe('active');
    expect(recommendationStatus({ ...dates, revoked: false, superseded: false }, '2025-12-31')).toBe('upcoming');
    expect(recommendationStatus({ ...dates, revoked: false, superseded: false }, '2029-01-02')).toBe('expired');
    expect(recommendationStatus({ ...dates, revoked: false, superseded: true }, '2026-06-01')).toBe('superseded');
    expect(recommendationStatus({ ...dates, revoked: true, superseded: true }, '2026-06-01')).toBe('revoked');
  });
});
