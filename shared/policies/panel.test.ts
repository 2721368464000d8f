import { describe, expect, it } from 'vitest';
import type { Actor } from '../roles.ts';
import { can } from './index.ts';

const actor = (role: Actor['role'], id = `${role}-1`): Actor => ({ id, role, email: `${role}@x.edu`, institution: 'X' });

describe('course and panel policies', () => {
  it('lets coordinators and admins take courses in, and nobody else', () => {
    for (const action of ['course.list', 'course.create', 'course.update', 'course.import', 'provider.create'] as const) {
      expect(can(actor('coordinator'), action, null), action).toBe(true);
      expect(can(actor('admin'), action, null), action).toBe(true);
      expect(can(actor('reviewer'), action, null), action).toBe(false);
      expect(can(actor('proctor'), action, null), action).toBe(false);
    }
  });

  it('shows the roster to seated, unconflicted panelists, and conflicts only to those who form panels', () => {
    const seat = { reviewerId: 'reviewer-1', seatRole: 'member' as const, conflicted: false };
    const forming = { id: 'e1', status: 'panel_forming' as const, seats: [seat] };
    expect(can(actor('reviewer', 'reviewer-1'), 'panel.read', forming)).toBe(true);
    expect(can(actor('reviewer', 'reviewer-1'), 'panel.read', { ...forming, seats: [{ ...seat, conflicted: true }] })).toBe(false);
    expect(can(actor('reviewer', 'reviewer-2'), 'panel.read', forming)).toBe(false);
    expect(can(actor('proctor'), 'panel.read', forming)).toBe(false);
    expect(can(actor('admin'), 'panel.read', forming)).toBe(true);
    expect(can(actor('coordinator'), 'panel.readConflicts', null)).toBe(true);
    expect(can(actor('reviewer', 'reviewer-1'), 'panel.readConflicts', null)).toBe(false);
  });
});
