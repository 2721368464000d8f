import { z } from 'zod';
import { quorumRules } from '../domain/quorum.ts';
import { evaluationStateSchema } from './evaluation.ts';
import { motionViewSchema, voteViewSchema } from './motion.ts';
import { publicationViewSchema } from './recommendation.ts';

export const quorumRuleSchema = z.enum(quorumRules);

/** What the caller may do on the decision panel, from the shared policies and the workflow. */
export const decisionAbilitiesSchema = z.object({
  putMotion: z.boolean(),
  vote: z.boolean(),
  finalize: z.boolean(),
  makeConditional: z.boolean(),
  markConditionsMet: z.boolean(),
  publish: z.boolean(),
  revoke: z.boolean(),
});
export type DecisionAbilities = z.infer<typeof decisionAbilitiesSchema>;

export const decisionViewSchema = z.object({
  evaluationId: z.uuid(),
  status: evaluationStateSchema,
  quorumRule: quorumRuleSchema,
  /** Newest first; the first is the current motion. */
  motions: z.array(motionViewSchema),
  /** The caller's own vote on the current motion, if any. */
  myVote: voteViewSchema.nullable(),
  publication: publicationViewSchema,
  abilities: decisionAbilitiesSchema,
});
export type DecisionView = z.infer<typeof decisionViewSchema>;
