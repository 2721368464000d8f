import { describe, expect, it } from 'vitest';
import { checkTransition } from './engine.ts';
import { emptyEvaluationContext, evaluationMachine, type EvaluationContext } from './evaluation.ts';

const panel: EvaluationContext = { ...emptyEvaluationContext(3), panel: { size: 3, seated: 3, hasChair: true, unresolvedConflicts: 0 } };
const withMotion = (status: 'open' | 'carried' | 'failed'): EvaluationContext => ({ ...panel, motion: { carried: status === 'carried', status } });

describe('evaluation workflow: motions and votes', () => {
  it('calls the vote only for an open motion, by a coordinator or a reviewer (the chair, by policy)', () => {
    expect(checkTransition(evaluationMachine, 'deliberation', 'call_vote', 'reviewer', withMotion('open')).ok).toBe(true);
    expect(checkTransition(evaluationMachine, 'deliberation', 'call_vote', 'coordinator', withMotion('open')).ok).toBe(true);
    expect(checkTransition(evaluationMachine, 'deliberation', 'call_vote', 'admin', withMotion('open'))).toMatchObject({ ok: false, reason: 'role_not_allowed' });
    expect(checkTransition(evaluationMachine, 'deliberation', 'call_vote', 'reviewer', withMotion('failed'))).toMatchObject({
      ok: false,
      failures: [{ guard: 'motion_put' }],
    });
    expect(checkTransition(evaluationMachine, 'deliberation', 'call_vote', 'reviewer', panel).ok).toBe(false);
  });

  it('returns a failed motion to deliberation, as the system only', () => {
    expect(checkTransition(evaluationMachine, 'voting', 'reopen_deliberation', 'system', withMotion('failed'))).toMatchObject({ ok: true, transition: { to: 'deliberation' } });
    expect(checkTransition(evaluationMachine, 'voting', 'reopen_deliberation', 'system', withMotion('open')).ok).toBe(false);
    expect(checkTransition(evaluationMachine, 'voting', 'reopen_deliberation', 'coordinator', withMotion('failed')).ok).toBe(false);
  });

  it('finalizes only a carried motion, and publishes a conditional one only once its conditions are met', () => {
    expect(checkTransition(evaluationMachine, 'voting', 'finalize', 'coordinator', withMotion('carried')).ok).toBe(true);
    expect(checkTransition(evaluationMachine, 'voting', 'finalize', 'coordinator', withMotion('open')).ok).toBe(false);
    const conditional = { ...withMotion('carried'), conditions: { count: 2, met: false } };
    expect(checkTransition(evaluationMachine, 'finalized', 'make_conditional', 'coordinator', conditional).ok).toBe(true);
    expect(checkTransition(evaluationMachine, 'conditional', 'publish_conditional', 'coordinator', conditional).ok).toBe(false);
    expect(checkTransition(evaluationMachine, 'conditional', 'publish_conditional', 'coordinator', { ...conditional, conditions: { count: 2, met: true } }).ok).toBe(true);
    expect(checkTransition(evaluationMachine, 'published', 'flag_re_review', 'system', panel).ok).toBe(true);
  });

  it('decides only with a quorum present: more than half of the seats held by unconflicted reviewers', () => {
    const withSeated = (seated: number, context: EvaluationContext): EvaluationContext => ({ ...context, panel: { ...context.panel, size: 5, seated } });
    const reviewed = (seated: number): EvaluationContext => ({ ...withSeated(seated, panel), reviews: { submitted: seated } });
    // Two of five seats left after conflicts: every step that decides is refused, by the quorum guard alone.
    for (const [from, action, context] of [
      ['independent_review', 'start_deliberation', reviewed(2)],
      ['deliberation', 'call_vote', withSeated(2, withMotion('open'))],
      ['voting', 'finalize', withSeated(2, withMotion('carried'))],
    ] as const) {
      expect(checkTransition(evaluationMachine, from, action, from === 'deliberation' ? 'reviewer' : from === 'voting' ? 'coordinator' : 'system', context)).toMatchObject({
        ok: false,
        failures: [{ guard: 'panel_quorum' }],
      });
    }
    expect(checkTransition(evaluationMachine, 'independent_review', 'start_deliberation', 'system', reviewed(3)).ok).toBe(true);
    expect(checkTransition(evaluationMachine, 'voting', 'finalize', 'coordinator', withSeated(3, withMotion('carried'))).ok).toBe(true);
    // Going back and withdrawing stay open.
    expect(checkTransition(evaluationMachine, 'voting', 'reopen_deliberation', 'system', withSeated(1, withMotion('failed'))).ok).toBe(true);
    expect(checkTransition(evaluationMachine, 'voting', 'withdraw', 'coordinator', withSeated(1, withMotion('carried'))).ok).toBe(true);
  });
});
