import { describe, expect, it } from 'vitest';
import { declarationStands, detectConflicts } from './conflicts.ts';

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

  it('lets an override cover only declarations made before the seat, never later ones', () => {
    const seatedAt = new Date('2026-11-01T10:00:00Z');
    const before = { createdAt: new Date('2026-11-01T09:00:00Z') };
    const after = { createdAt: new Date('2026-11-01T11:00:00Z') };
    expect(declarationStands({ createdAt: seatedAt, conflictOverride: null }, before)).toBe(true);
    expect(declarationStands({ createdAt: seatedAt, conflictOverride: null }, after)).toBe(true);
    expect(declarationStands({ createdAt: seatedAt, conflictOverride: { reason: 'only subject expert' } }, before)).toBe(false);
    expect(declarationStands({ createdAt: seatedAt, conflictOverride: { reason: 'only subject expert' } }, after)).toBe(true);
  });
});
