import { describe, expect, it } from 'vitest';
import { phraseCreditLine } from './creditLines.ts';

describe('credit line phrasing', () => {
  it('phrases each level the way the National Guide does', () => {
    expect(phraseCreditLine({ semesterHours: 3, level: 'lower_division', subject: 'Mathematics' })).toBe(
      'In the lower-division baccalaureate/associate degree category, 3 semester hours in Mathematics',
    );
    expect(phraseCreditLine({ semesterHours: 2, level: 'vocational_certificate', subject: 'Bookkeeping' })).toBe(
      'In the vocational certificate category, 2 semester hours in Bookkeeping',
    );
    expect(phraseCreditLine({ semesterHours: 4, level: 'upper_division', subject: 'Genetics' })).toBe(
      'In the upper-division baccalaureate degree category, 4 semester hours in Genetics',
    );
    expect(phraseCreditLine({ semesterHours: 3, level: 'graduate', subject: 'Biomedical Engineering' })).toBe(
      'In the graduate degree category, 3 semester hours in Biomedical Engineering',
    );
  });

  it('says "hour" for one, keeps halves, and trims the subject', () => {
    expect(phraseCreditLine({ semesterHours: 1, level: 'lower_division', subject: ' Statistics ' })).toBe(
      'In the lower-division baccalaureate/associate degree category, 1 semester hour in Statistics',
    );
    expect(phraseCreditLine({ semesterHours: 1.5, level: 'graduate', subject: 'Physics' })).toBe(
      'In the graduate degree category, 1.5 semester hours in Physics',
    );
  });
});
