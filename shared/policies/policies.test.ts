import { describe, expect, it } from 'vitest';
import type { Actor } from '../roles.ts';
import { can, globalAbilities } from './index.ts';

const actor = (role: Actor['role'], id = `${role}-1`): Actor => ({ id, role, email: `${role}@x.edu`, institution: 'X' });

describe('policies', () => {
  it('lets only coordinators create evaluations', () => {
    expect(can(actor('coordinator'), 'evaluation.create', null)).toBe(true);
    for (const role of ['admin', 'reviewer', 'proctor'] as const) expect(can(actor(role), 'evaluation.create', null), role).toBe(false);
    expect(can(null, 'evaluation.create', null)).toBe(false);
  });

  it('shows a reviewer only the evaluations they are seated on', () => {
    const evaluation = { id: 'e1', status: 'deliberation' as const, seats: [{ reviewerId: 'reviewer-1', seatRole: 'member' as const, conflicted: false }] };
    expect(can(actor('reviewer', 'reviewer-1'), 'evaluation.read', evaluation)).toBe(true);
    expect(can(actor('reviewer', 'reviewer-2'), 'evaluation.read', evaluation)).toBe(false);
    expect(can(actor('proctor'), 'evaluation.read', evaluation)).toBe(false);
    expect(can(actor('coordinator'), 'evaluation.read', evaluation)).toBe(true);
  });

  it('keeps the audit log for admins', () => {
    expect(can(actor('admin'), 'audit.read', null)).toBe(true);
    expect(can(actor('coordinator'), 'audit.read', null)).toBe(false);
  });

  it('reports abilities for the UI from the same rules', () => {
    expect(globalAbilities(actor('coordinator'))).toEqual({
      'evaluation.create': true,
      'dashboard.watch': true,
      'course.list': true,
      'audit.read': false,
    });
    expect(globalAbilities(actor('reviewer'))['evaluation.create']).toBe(false);
  });

  it('bars a conflicted panelist at once and limits worksheet edits to seated panelists in deliberation', () => {
    const seat = { reviewerId: 'reviewer-1', seatRole: 'chair' as const, conflicted: false };
    const deliberating = { id: 'e1', status: 'deliberation' as const, seats: [seat] };
    const reviewer = actor('reviewer', 'reviewer-1');
    expect(can(reviewer, 'worksheet.write', deliberating)).toBe(true);
    expect(can(reviewer, 'worksheet.write', { ...deliberating, seats: [{ ...seat, conflicted: true }] })).toBe(false);
    expect(can(reviewer, 'evaluation.read', { ...deliberating, seats: [{ ...seat, conflicted: true }] })).toBe(false);
    expect(can(reviewer, 'worksheet.write', { ...deliberating, status: 'finalized' })).toBe(false);
    expect(can(reviewer, 'worksheet.read', { ...deliberating, status: 'finalized' })).toBe(true);
    expect(can(actor('coordinator'), 'worksheet.read', deliberating)).toBe(true);
    expect(can(actor('coordinator'), 'worksheet.write', deliberating)).toBe(false);
    expect(can(actor('reviewer', 'reviewer-2'), 'worksheet.read', deliberating)).toBe(false);
    expect(can(reviewer, 'worksheet.read', { ...deliberating, status: 'panel_forming' })).toBe(false);
  });

  it('lets coordinators manage a panel only while it is being formed', () => {
    const forming = { id: 'e1', status: 'panel_forming' as const, seats: [] };
    expect(can(actor('coordinator'), 'panel.manage', forming)).toBe(true);
    expect(can(actor('coordinator'), 'panel.manage', { ...forming, status: 'deliberation' })).toBe(false);
    expect(can(actor('reviewer'), 'panel.manage', forming)).toBe(false);
  });
});
