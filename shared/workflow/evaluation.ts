import { defineMachine } from './engine.ts';

export const evaluationStates = [
  'intake',
  'panel_forming',
  'independent_review',
  'deliberation',
  'voting',
  'finalized',
  'conditional',
  'published',
  're_review_due',
  'revoked',
  'withdrawn',
] as const;
export type EvaluationState = (typeof evaluationStates)[number];

/** What the Evaluation guards read; the server computes it from the database. */
export interface EvaluationContext {
  panel: { size: number; seated: number; hasChair: boolean; unresolvedConflicts: number };
  reviews: { submitted: number };
  /**
   * The evaluation's latest motion (a withdrawn one aside): `status` says whether it is still open
   * for votes or was decided; absent in hand-built contexts, where only `carried` matters.
   */
  motion: { carried: boolean; status?: 'open' | 'carried' | 'failed' } | null;
  conditions: { count: number; met: boolean };
}

/** A context in which nothing has happened yet: a fresh evaluation. */
export function emptyEvaluationContext(panelSize = 3): EvaluationContext {
  return {
    panel: { size: panelSize, seated: 0, hasChair: false, unresolvedConflicts: 0 },
    reviews: { submitted: 0 },
    motion: null,
    conditions: { count: 0, met: false },
  };
}

/** States before a recommendation exists; any of them may be withdrawn. */
export const openEvaluationStates = [
  'intake',
  'panel_forming',
  'independent_review',
  'deliberation',
  'voting',
  'finalized',
  'conditional',
] as const satisfies readonly EvaluationState[];

/**
 * Steps that carry data of their own (a motion, conditions, a recommendation version, a revocation
 * reason): taken only through their commands, never through the generic transitions endpoint.
 */
export const commandOnlySteps: readonly string[] = ['call_vote', 'reopen_deliberation', 'make_conditional', 'publish', 'publish_conditional', 'revoke'];

/**
 * A panel decides only with a quorum present: more than half of its seats held by reviewers without
 * a conflict of interest. The panel is frozen once review starts, so one that lost its quorum to
 * declared conflicts can only be withdrawn and the course evaluated again by a new panel.
 */
const panelQuorum = {
  name: 'panel_quorum',
  message: 'More than half of the panel’s seats must be held by reviewers without a conflict of interest; withdraw the evaluation and open a new one to form a new panel.',
  holds: (context: EvaluationContext) => context.panel.seated * 2 > context.panel.size,
};

/** The Evaluation state machine of ARCHITECTURE 4.1. */
export const evaluationMachine = defineMachine<EvaluationState, EvaluationContext>({
  name: 'evaluation',
  states: evaluationStates,
  initial: 'intake',
  terminal: ['revoked', 'withdrawn'],
  transitions: [
    { action: 'open_panel', from: ['intake'], to: 'panel_forming', roles: ['coordinator', 'admin'] },
    {
      action: 'start_review',
      from: ['panel_forming'],
      to: 'independent_review',
      roles: ['coordinator', 'admin'],
      guards: [
        {
          name: 'panel_full',
          message: 'Every panel seat must be filled.',
          holds: (context) => context.panel.seated >= context.panel.size,
        },
        {
          name: 'panel_has_chair',
          message: 'The panel needs a chair.',
          holds: (context) => context.panel.hasChair,
        },
        {
          name: 'no_unresolved_conflicts',
          message: 'Every conflict of interest must be resolved.',
          holds: (context) => context.panel.unresolvedConflicts === 0,
        },
      ],
    },
    {
      action: 'start_deliberation',
      from: ['independent_review'],
      to: 'deliberation',
      roles: ['coordinator', 'admin', 'system'],
      guards: [
        {
          name: 'all_reviews_submitted',
          message: "Every seated reviewer's independent review must be submitted.",
          holds: (context) => context.panel.seated > 0 && context.reviews.submitted >= context.panel.seated,
        },
        panelQuorum,
      ],
    },
    {
      // Taken by putMotion when the motion is put; among reviewers only the chair may (policy 'motion.put').
      action: 'call_vote',
      from: ['deliberation'],
      to: 'voting',
      roles: ['coordinator', 'reviewer'],
      guards: [
        {
          name: 'motion_put',
          message: 'A motion must be put to the panel.',
          holds: (context) => context.motion?.status === 'open',
        },
        panelQuorum,
      ],
    },
    {
      // A failed motion sends the panel back to deliberate and put a new one; the vote that decided it triggers this.
      action: 'reopen_deliberation',
      from: ['voting'],
      to: 'deliberation',
      roles: ['system'],
      guards: [
        {
          name: 'motion_failed',
          message: 'The motion must have failed by the quorum rule.',
          holds: (context) => context.motion?.status === 'failed',
        },
      ],
    },
    {
      action: 'finalize',
      from: ['voting'],
      to: 'finalized',
      roles: ['coordinator'],
      guards: [
        {
          name: 'motion_carried',
          message: 'The motion must carry by the quorum rule.',
          holds: (context) => context.motion?.carried === true,
        },
        panelQuorum,
      ],
    },
    {
      action: 'make_conditional',
      from: ['finalized'],
      to: 'conditional',
      roles: ['coordinator'],
      guards: [
        {
          name: 'has_conditions',
          message: 'A conditional recommendation needs at least one condition.',
          holds: (context) => context.conditions.count > 0,
        },
      ],
    },
    { action: 'publish', from: ['finalized'], to: 'published', roles: ['coordinator'] },
    {
      action: 'publish_conditional',
      from: ['conditional'],
      to: 'published',
      roles: ['coordinator'],
      guards: [
        {
          name: 'conditions_met',
          message: 'Every condition must be met.',
          holds: (context) => context.conditions.met,
        },
      ],
    },
    { action: 'flag_re_review', from: ['published'], to: 're_review_due', roles: ['coordinator', 'system'] },
    { action: 'revoke', from: ['published', 're_review_due'], to: 'revoked', roles: ['coordinator'] },
    { action: 'withdraw', from: openEvaluationStates, to: 'withdrawn', roles: ['coordinator', 'admin'] },
  ],
});
