/** How an evaluation's panel decides a motion (evaluations.quorum_rule). */
export const quorumRules = ['majority_of_seated', 'two_thirds_of_seated', 'unanimous'] as const;
export type QuorumRule = (typeof quorumRules)[number];

export const voteChoices = ['approve', 'reject', 'abstain'] as const;
export type VoteChoice = (typeof voteChoices)[number];

export type MotionOutcome = 'carried' | 'failed' | 'pending';

/** Votes cast by currently seated, unconflicted panelists. */
export interface Tally {
  approve: number;
  reject: number;
  abstain: number;
}

export interface MotionDecision {
  outcome: MotionOutcome;
  /** Approvals the motion needs to carry. */
  needed: number;
  /** Seated panelists who have not voted yet. */
  remaining: number;
}

/** How the console names each quorum rule. */
export const quorumRuleLabels: Record<QuorumRule, string> = {
  majority_of_seated: 'Majority of seated reviewers',
  two_thirds_of_seated: 'Two thirds of seated reviewers',
  unanimous: 'Unanimous',
};

/** Approvals a motion needs under `rule` when `seated` reviewers (chair included) sit on the panel. */
export function approvalsNeeded(rule: QuorumRule, seated: number): number {
  const panel = Math.max(0, Math.floor(seated));
  if (rule === 'unanimous') return panel;
  if (rule === 'two_thirds_of_seated') return Math.ceil((panel * 2) / 3);
  return Math.floor(panel / 2) + 1;
}

/**
 * Decides a motion: carried once enough approvals are in, failed once they can no longer come in
 * (abstentions count against, as the rules count seated reviewers, not votes cast), else pending.
 */
export function decideMotion(rule: QuorumRule, seated: number, tally: Tally): MotionDecision {
  const needed = approvalsNeeded(rule, seated);
  const cast = tally.approve + tally.reject + tally.abstain;
  const remaining = Math.max(0, seated - cast);
  if (seated <= 0) return { outcome: 'pending', needed, remaining };
  if (tally.approve >= needed) return { outcome: 'carried', needed, remaining };
  if (tally.approve + remaining < needed) return { outcome: 'failed', needed, remaining };
  return { outcome: 'pending', needed, remaining };
}

/** Counts choices into a tally. */
export function tallyVotes(choices: readonly VoteChoice[]): Tally {
  const tally: Tally = { approve: 0, reject: 0, abstain: 0 };
  for (const choice of choices) tally[choice] += 1;
  return tally;
}
