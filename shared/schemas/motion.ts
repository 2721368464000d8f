import { z } from 'zod';
import { voteChoices } from '../domain/quorum.ts';
import { defaultValidUntil } from '../domain/recommendationDates.ts';
import { creditLineSchema } from './credit.ts';

/** The chair's motion; valid-until defaults to three years after valid-from. */
export const putMotionBodySchema = z
  .strictObject({
    creditLines: z.array(creditLineSchema).min(1, 'Recommend at least one credit line.').max(10),
    validFrom: z.iso.date(),
    validUntil: z.iso.date().optional(),
    summary: z.string().trim().min(1, 'Write a summary.').max(4000),
    learningOutcomes: z.array(z.string().trim().min(1).max(500)).min(1, 'List at least one learning outcome.').max(30),
  })
  .transform((body) => ({ ...body, validUntil: body.validUntil ?? defaultValidUntil(body.validFrom) }))
  .refine((body) => body.validUntil > body.validFrom, { path: ['validUntil'], message: 'Valid-until must come after valid-from.' });
export type PutMotionBody = z.input<typeof putMotionBodySchema>;
export type PutMotion = z.output<typeof putMotionBodySchema>;

export const voteChoiceSchema = z.enum(voteChoices);

export const castVoteBodySchema = z.strictObject({
  choice: voteChoiceSchema,
  note: z.string().trim().max(2000).optional(),
});
export type CastVoteBody = z.infer<typeof castVoteBodySchema>;

export const motionParamsSchema = z.strictObject({ id: z.uuid(), motionId: z.uuid() });

export const motionStatuses = ['open', 'carried', 'failed', 'withdrawn'] as const;

export const voteViewSchema = z.object({
  voter: z.object({ id: z.uuid(), name: z.string() }),
  seatRole: z.string().nullable(),
  choice: voteChoiceSchema,
  note: z.string().nullable(),
  createdAt: z.string(),
  /** False for a vote by someone who left the vote (declared a conflict): by now on an open motion, by its decision on a closed one. */
  counted: z.boolean(),
});
export type VoteView = z.infer<typeof voteViewSchema>;

export const motionViewSchema = z.object({
  id: z.uuid(),
  status: z.enum(motionStatuses),
  putBy: z.object({ id: z.uuid(), name: z.string() }),
  creditLines: z.array(creditLineSchema.extend({ phrase: z.string() })),
  validFrom: z.string(),
  validUntil: z.string(),
  summary: z.string(),
  learningOutcomes: z.array(z.string()),
  createdAt: z.string(),
  closedAt: z.string().nullable(),
  tally: z.object({
    approve: z.number(),
    reject: z.number(),
    abstain: z.number(),
    seated: z.number(),
    needed: z.number(),
    remaining: z.number(),
    outcome: z.enum(['carried', 'failed', 'pending']),
  }),
  votes: z.array(voteViewSchema),
});
export type MotionView = z.infer<typeof motionViewSchema>;
