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
});
