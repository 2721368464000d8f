import { describe, expect, it } from 'vitest';
import { reviewDeadline, reviewDueOn, todayUtc } from './reviewDeadline.ts';

describe('review deadlines', () => {
  it('uses the independent-review phase date when set, else the evaluation review date', () => {
    expect(reviewDueOn({ reviewDueOn: '2027-03-01', phaseDueDates: {} })).toBe('2027-03-01');
    expect(reviewDueOn({ reviewDueOn: '2027-03-01', phaseDueDates: { independent_review: '2027-02-15', panel_forming: '2027-01-01' } })).toBe('2027-02-15');
    expect(reviewDueOn({ reviewDueOn: null, phaseDueDates: {} })).toBeNull();
  });

  it('counts days left and flags only unsubmitted reviews past due while reviews are being written', () => {
    const base = { dueOn: '2027-02-15', submitted: false, reviewing: true };
    expect(reviewDeadline({ ...base, today: '2027-02-10' })).toEqual({ dueOn: '2027-02-15', daysLeft: 5, overdue: false });
    expect(reviewDeadline({ ...base, today: '2027-02-15' })).toMatchObject({ daysLeft: 0, overdue: false });
    expect(reviewDeadline({ ...base, today: '2027-02-16' })).toMatchObject({ daysLeft: -1, overdue: true });
    expect(reviewDeadline({ ...base, today: '2027-02-16', submitted: true }).overdue).toBe(false);
    expect(reviewDeadline({ ...base, today: '2027-02-16', reviewing: false }).overdue).toBe(false);
    expect(reviewDeadline({ ...base, dueOn: null, today: '2027-02-16' })).toEqual({ dueOn: null, daysLeft: null, overdue: false });
  });

  it('reads today in UTC', () => {
    expect(todayUtc(new Date('2027-02-15T23:30:00-05:00'))).toBe('2027-02-16');
  });
});
