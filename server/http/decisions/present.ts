import { eq } from 'drizzle-orm';
import { conditionalEffectiveDate, todayIso } from '../../../shared/domain/recommendationDates.ts';
import { can, type EvaluationSubject } from '../../../shared/policies/index.ts';
import type { Actor } from '../../../shared/roles.ts';
import type { DecisionAbilities, DecisionView } from '../../../shared/schemas/decision.ts';
import { checkTransition } from '../../../shared/workflow/engine.ts';
import { evaluationMachine, type EvaluationState } from '../../../shared/workflow/evaluation.ts';
import type { DbOrTx } from '../../db/client.ts';
import { recommendations } from '../../db/schema.ts';
import { evaluationContext, type EvaluationFacts, type EvaluationRow } from '../../domain/evaluations.ts';
import { loadMotionFacts, loadMotionViews } from '../../domain/motions.ts';
import { loadRecommendationViews } from '../../domain/recommendations.ts';

/** What the actor may do on the decision panel: the shared policy first, then whether the workflow step is open now. */
function decisionAbilities(actor: Actor, row: EvaluationRow, subject: EvaluationSubject, facts: EvaluationFacts, extra: { voted: boolean; recommendationLive: boolean }): DecisionAbilities {
  const status = row.status as EvaluationState;
  const stepOpen = (action: string, assume: EvaluationFacts = facts, assumeRow = row) =>
    checkTransition(evaluationMachine, status, action, actor.role, evaluationContext(assumeRow, subject, assume)).ok;
  const publisher = can(actor, 'recommendation.publish', subject);
  return {
    // Putting a motion is what opens it, so the step is checked as if it were open.
    putMotion: can(actor, 'motion.put', subject) && stepOpen('call_vote', { ...facts, motion: { carried: false, status: 'open' } }),
    vote: can(actor, 'motion.vote', subject) && status === 'voting' && facts.motion?.status === 'open' && !extra.voted,
    finalize: publisher && stepOpen('finalize'),
    makeConditional: publisher && stepOpen('make_conditional', facts, { ...row, conditions: ['(a condition)'] }),
    markConditionsMet: publisher && status === 'conditional' && row.conditionsMetOn === null,
    publish: publisher && (stepOpen('publish') || stepOpen('publish_conditional')),
    revoke: can(actor, 'recommendation.revoke', subject) && stepOpen('revoke') && extra.recommendationLive,
  };
}

/** The decision panel of one evaluation as the actor may see it: motions, tallies, votes, publication and abilities. */
export async function loadDecisionView(db: DbOrTx, actor: Actor, row: EvaluationRow, subject: EvaluationSubject): Promise<DecisionView> {
  const today = todayIso();
  const [motionViews, motionFacts, published] = await Promise.all([
    loadMotionViews(db, row, subject),
    loadMotionFacts(db, [row.id]),
    loadRecommendationViews(db, eq(recommendations.evaluationId, row.id), today),
  ]);
  const recommendation = published[0] ?? null;
  const current = motionViews[0];
  const myVote = current?.votes.find((vote) => vote.voter.id === actor.id) ?? null;
  const facts: EvaluationFacts = { motion: motionFacts.get(row.id) ?? null };
  return {
    evaluationId: row.id,
    status: row.status as EvaluationState,
    quorumRule: row.quorumRule,
    motions: motionViews,
    myVote,
    publication: {
      conditions: row.conditions,
      conditionsDueOn: row.conditionsDueOn,
      conditionsMetOn: row.conditionsMetOn,
      effectiveOn: row.conditionsMetOn ? conditionalEffectiveDate(row.conditionsMetOn) : null,
      recommendation,
    },
    abilities: decisionAbilities(actor, row, subject, facts, {
      voted: myVote !== null,
      recommendationLive: recommendation !== null && recommendation.revocation === null,
    }),
  };
}
