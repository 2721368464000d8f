import { describe, expect, it } from 'vitest';
import type { Actor } from '../roles.ts';
import type { EvaluationState } from '../workflow/evaluation.ts';
import { can } from './index.ts';

const actor = (role: Actor['role'], id = `${role}-1`): Actor => ({ id, role, email: `${role}@x.edu`, institution: 'X' });
const seat = (reviewerId: string, conflicted = false) => ({ reviewerId, seatRole: 'member' as const, conflicted });
const subject = (status: EvaluationState, submittedReviewerIds: string[] = [], seats = [seat('r1'), seat('r2'), seat('r3', true)]) => ({
  id: 'e1',
  status,
  seats,
  submittedReviewerIds,
});

describe('review policies (HotCRP rule)', () => {
  const r1 = actor('reviewer', 'r1');
  const coordinator = actor('coordinator');

  it('lets only seated, unconflicted reviewers write, and only during independent review', () => {
    expect(can(r1, 'review.write', subject('independent_review'))).toBe(true);
    expect(can(r1, 'review.write', subject('deliberation'))).toBe(false);
    expect(can(r1, 'review.write', subject('panel_forming'))).toBe(false);
    expect(can(actor('reviewer', 'r3'), 'review.write', subject('independent_review'))).toBe(false);
    expect(can(actor('reviewer', 'r9'), 'review.write', subject('independent_review'))).toBe(false);
    expect(can(coordinator, 'review.write', subject('independent_review'))).toBe(false);
    expect(can(actor('admin'), 'review.write', subject('independent_review'))).toBe(false);
  });

  it('hides the panel from a reviewer until their own review is submitted', () => {
    expect(can(r1, 'review.read_panel', subject('independent_review', ['r2']))).toBe(false);
    expect(can(r1, 'review.read_panel', subject('independent_review', ['r1']))).toBe(true);
    expect(can(actor('reviewer', 'r3'), 'review.read_panel', subject('deliberation', ['r3']))).toBe(false);
    expect(can(actor('reviewer', 'r9'), 'review.read_panel', subject('deliberation', ['r9']))).toBe(false);
  });

  it('shows coordinators progress at any time but contents only from deliberation on', () => {
    expect(can(coordinator, 'review.progress', null)).toBe(true);
    expect(can(r1, 'review.progress', null)).toBe(false);
    expect(can(coordinator, 'review.read_panel', subject('independent_review', ['r1', 'r2']))).toBe(false);
    expect(can(coordinator, 'review.read_panel', subject('deliberation', ['r1', 'r2']))).toBe(true);
    expect(can(coordinator, 'review.read_panel', subject('withdrawn', ['r1', 'r2']))).toBe(false);
    expect(can(actor('proctor'), 'review.read_panel', subject('deliberation'))).toBe(false);
  });

  it('opens the deliberation summary from deliberation on to coordinators and panelists who submitted', () => {
    expect(can(r1, 'review.summary', subject('independent_review', ['r1']))).toBe(false);
    expect(can(r1, 'review.summary', subject('deliberation', ['r1', 'r2']))).toBe(true);
    expect(can(r1, 'review.summary', subject('voting', ['r2']))).toBe(false);
    expect(can(coordinator, 'review.summary', subject('voting'))).toBe(true);
    expect(can(coordinator, 'review.summary', subject('independent_review'))).toBe(false);
  });

  it('lets a seated reviewer read their own review in any phase, never a conflicted one', () => {
    expect(can(r1, 'review.read_own', subject('published'))).toBe(true);
    expect(can(actor('reviewer', 'r3'), 'review.read_own', subject('independent_review'))).toBe(false);
    expect(can(coordinator, 'review.read_own', subject('independent_review'))).toBe(false);
  });
});
