import { describe, expect, it } from 'vitest';
import { detectConflicts } from './conflicts.ts';

const course = { partnerInstitution: 'Duke University', partnerDomain: 'duke.edu' };

describe('conflict of interest detection', () => {
  it('finds the same institution, ignoring case and spacing', () => {
    expect(detectConflicts({ reviewer: { email: 'x@gmail.com', institution: ' duke  university' }, course, declarations: [] })).toEqual([
      'same_institution',
    ]);
  });

  it('finds the partner’s email domain, including subdomains, but not look-alikes', () => {
    const conflicts = (email: string) => detectConflicts({ reviewer: { email, institution: 'Elsewhere' }, course, declarations: [] });
    expect(conflicts('m.chen@duke.edu')).toEqual(['same_email_domain']);
    expect(conflicts('m.chen@bio.duke.edu')).toEqual(['same_email_domain']);
    expect(conflicts('m.chen@notduke.edu')).toEqual([]);
    expect(conflicts('m.chen@duke.edu.evil.com')).toEqual([]);
  });

  it('counts a declaration, and finds nothing for an unrelated reviewer', () => {
    expect(detectConflicts({ reviewer: { email: 'a@umd.edu', institution: 'UMD' }, course, declarations: ['co-author of the instructor'] })).toEqual([
      'declared',
    ]);
    expect(detectConflicts({ reviewer: { email: 'a@umd.edu', institution: 'UMD' }, course: { ...course, partnerDomain: null }, declarations: [] })).toEqual([]);
  });
});
