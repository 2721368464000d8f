import { describe, expect, it } from 'vitest';
import { availableTransitions, checkTransition, defineMachine } from './engine.ts';
import { emptyEvaluationContext, evaluationMachine, evaluationStates, type EvaluationContext } from './evaluation.ts';

const fullPanel: EvaluationContext = {
  ...emptyEvaluationContext(3),
  panel: { size: 3, seated: 3, hasChair: true, unresolvedConflicts: 0 },
};

describe('workflow engine', () => {
  it('allows a listed transition for an allowed role when its guards hold', () => {
    const check = checkTransition(evaluationMachine, 'intake', 'open_panel', 'coordinator', emptyEvaluationContext());
    expect(check).toMatchObject({ ok: true, transition: { to: 'panel_forming' } });
  });

  it('refuses an unknown action', () => {
    expect(checkTransition(evaluationMachine, 'intake', 'teleport', 'coordinator', emptyEvaluationContext())).toMatchObject({
      ok: false,
      reason: 'unknown_action',
    });
  });

  it('refuses a step from the wrong state', () => {
    const check = checkTransition(evaluationMachine, 'intake', 'publish', 'coordinator', emptyEvaluationContext());
    expect(check).toMatchObject({ ok: false, reason: 'wrong_state', message: 'Cannot publish while the evaluation is intake.' });
  });

  it('refuses a role the transition does not name', () => {
    expect(checkTransition(evaluationMachine, 'intake', 'open_panel', 'reviewer', emptyEvaluationContext())).toMatchObject({
      ok: false,
      reason: 'role_not_allowed',
    });
    expect(checkTransition(evaluationMachine, 'intake', 'open_panel', 'proctor', emptyEvaluationContext()).ok).toBe(false);
  });

  it('names every failing guard', () => {
    const check = checkTransition(evaluationMachine, 'panel_forming', 'start_review', 'coordinator', emptyEvaluationContext());
    expect(check.ok).toBe(false);
    if (check.ok || check.reason !== 'guard_failed') throw new Error('expected guard failure');
    expect(check.failures.map((failure) => failure.guard)).toEqual(['panel_full', 'panel_has_chair']);
    expect(check.message).toContain('Every panel seat must be filled.');
  });

  it('passes guards once the context satisfies them', () => {
    expect(checkTransition(evaluationMachine, 'panel_forming', 'start_review', 'coordinator', fullPanel).ok).toBe(true);
    const conflicted = { ...fullPanel, panel: { ...fullPanel.panel, unresolvedConflicts: 1 } };
    expect(checkTransition(evaluationMachine, 'panel_forming', 'start_review', 'coordinator', conflicted)).toMatchObject({
      ok: false,
      failures: [{ guard: 'no_unresolved_conflicts' }],
    });
  });

  it('lists available transitions with their blocking guards', () => {
    const steps = availableTransitions(evaluationMachine, 'panel_forming', 'coordinator', emptyEvaluationContext());
    expect(steps.map((step) => [step.action, step.allowed])).toEqual([
      ['start_review', false],
      ['withdraw', true],
    ]);
    expect(availableTransitions(evaluationMachine, 'panel_forming', 'reviewer', emptyEvaluationContext())).toEqual([]);
  });

  it('needs a carried motion to finalize and every review to deliberate', () => {
    const voting = { ...fullPanel, motion: { carried: false } };
    expect(checkTransition(evaluationMachine, 'voting', 'finalize', 'coordinator', voting).ok).toBe(false);
    expect(checkTransition(evaluationMachine, 'voting', 'finalize', 'coordinator', { ...voting, motion: { carried: true } }).ok).toBe(true);
    expect(checkTransition(evaluationMachine, 'independent_review', 'start_deliberation', 'system', { ...fullPanel, reviews: { submitted: 2 } }).ok).toBe(false);
    expect(checkTransition(evaluationMachine, 'independent_review', 'start_deliberation', 'system', { ...fullPanel, reviews: { submitted: 3 } }).ok).toBe(true);
  });

  it('lets any open state be withdrawn but nothing leave a terminal state', () => {
    for (const state of evaluationStates) {
      const withdrawable = checkTransition(evaluationMachine, state, 'withdraw', 'coordinator', fullPanel).ok;
      expect(withdrawable, state).toBe(!['published', 're_review_due', 'revoked', 'withdrawn'].includes(state));
    }
    for (const state of evaluationMachine.terminal) {
      expect(availableTransitions(evaluationMachine, state, 'coordinator', fullPanel)).toEqual([]);
    }
  });

  it('rejects a machine that names an unknown state or leaves a terminal one', () => {
    expect(() =>
      defineMachine<'a' | 'b', null>({ name: 'm', states: ['a', 'b'], initial: 'a', terminal: [], transitions: [{ action: 'x', from: ['a'], to: 'c' as 'b', roles: ['admin'] }] }),
    ).toThrow(/unknown state "c"/);
    expect(() =>
      defineMachine<'a' | 'b', null>({ name: 'm', states: ['a', 'b'], initial: 'a', terminal: ['b'], transitions: [{ action: 'x', from: ['b'], to: 'a', roles: ['admin'] }] }),
    ).toThrow(/leaves terminal state b/);
    expect(() =>
      defineMachine<'a' | 'b', null>({
        name: 'm',
        states: ['a', 'b'],
        initial: 'a',
        terminal: [],
        transitions: [
          { action: 'x', from: ['a'], to: 'b', roles: ['admin'] },
          { action: 'x', from: ['a'], to: 'a', roles: ['admin'] },
        ],
      }),
    ).toThrow(/ambiguous/);
  });
});
