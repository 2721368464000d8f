import { describe, expect, it } from 'vitest';
import type { Actor } from '../roles.ts';
import { can } from './index.ts';
import type { EvaluationSubject } from './evaluation.ts';

const actor = (role: Actor['role'], id = `${role}-1`): Actor => ({ id, role, email: `${role}@x.edu`, institution: 'X' });
const voting: EvaluationSubject = {
  id: 'e1',
  status: 'voting',
  seats: [
    { reviewerId: 'chair', seatRole: 'chair', conflicted: false },
    { reviewerId: 'expert', seatRole: 'subject_expert', conflicted: false },
    { reviewerId: 'conflicted-chair', seatRole: 'member', conflicted: true },
  ],
};

describe('motion and recommendation policies', () => {
  it('lets the seated chair (or a coordinator) put a motion, nobody else', () => {
    expect(can(actor('reviewer', 'chair'), 'motion.put', voting)).toBe(true);
    expect(can(actor('coordinator'), 'motion.put', voting)).toBe(true);
    expect(can(actor('reviewer', 'expert'), 'motion.put', voting)).toBe(false);
    expect(can(actor('reviewer', 'stranger'), 'motion.put', voting)).toBe(false);
    expect(can(actor('admin'), 'motion.put', voting)).toBe(false);
    const conflictedChair = { ...voting, seats: [{ reviewerId: 'chair', seatRole: 'chair' as const, conflicted: true }] };
    expect(can(actor('reviewer', 'chair'), 'motion.put', conflictedChair)).toBe(false);
  });

  it('lets every seated, unconflicted panelist vote, and no one else', () => {
    expect(can(actor('reviewer', 'chair'), 'motion.vote', voting)).toBe(true);
    expect(can(actor('reviewer', 'expert'), 'motion.vote', voting)).toBe(true);
    expect(can(actor('reviewer', 'conflicted-chair'), 'motion.vote', voting)).toBe(false);
    expect(can(actor('reviewer', 'stranger'), 'motion.vote', voting)).toBe(false);
    expect(can(actor('coordinator'), 'motion.vote', voting)).toBe(false);
  });

  it('keeps finalizing, publishing and revoking for coordinators', () => {
    for (const action of ['recommendation.publish', 'recommendation.revoke'] as const) {
      expect(can(actor('coordinator'), action, voting)).toBe(true);
      for (const role of ['admin', 'reviewer', 'proctor'] as const) expect(can(actor(role, 'chair'), action, voting), `${role} ${action}`).toBe(false);
    }
  });
});
