import { z } from 'zod';
import { evaluationStateSchema } from './evaluation.ts';
import { creditLevels, creditLineSchema } from './credit.ts';

/** Marks a finalized recommendation conditional: what must be met, by when (default 90 days). */
export const setConditionsBodySchema = z.strictObject({
  conditions: z.array(z.string().trim().min(1).max(1000)).min(1, 'Name at least one condition.').max(20),
  dueOn: z.iso.date().optional(),
  expectedState: evaluationStateSchema,
});
export type SetConditionsBody = z.infer<typeof setConditionsBodySchema>;

export const conditionsMetBodySchema = z.strictObject({
  metOn: z.iso.date().optional(),
  expectedState: evaluationStateSchema,
});
export type ConditionsMetBody = z.infer<typeof conditionsMetBodySchema>;

export const publishBodySchema = z.strictObject({ expectedState: evaluationStateSchema });
export type PublishBody = z.infer<typeof publishBodySchema>;

export const revokeBodySchema = z.strictObject({
  reason: z.string().trim().min(1, 'Give the reason for revoking.').max(2000),
});
export type RevokeBody = z.infer<typeof revokeBodySchema>;

export const recommendationStatuses = ['active', 'upcoming', 'expired', 'superseded', 'revoked'] as const;

export const recommendationViewSchema = z.object({
  id: z.uuid(),
  version: z.number(),
  evaluationId: z.uuid(),
  course: z.object({
    id: z.uuid(),
    title: z.string(),
    code: z.string(),
    version: z.string(),
    subject: z.string(),
    provider: z.string(),
  }),
  creditLines: z.array(creditLineSchema.extend({ phrase: z.string() })),
  validFrom: z.string(),
  validUntil: z.string(),
  summary: z.string(),
  learningOutcomes: z.array(z.string()),
  panel: z.array(z.object({ name: z.string(), institution: z.string(), seatRole: z.string() })),
  conditions: z.array(z.string()),
  supersedesId: z.uuid().nullable(),
  supersededById: z.uuid().nullable(),
  publishedAt: z.string(),
  contentHash: z.string(),
  signature: z.string().nullable(),
  revocation: z.object({ reason: z.string(), revokedAt: z.string(), contentHash: z.string() }).nullable(),
  status: z.enum(recommendationStatuses),
  reReviewDueOn: z.string(),
  reReviewDue: z.boolean(),
});
export type RecommendationView = z.infer<typeof recommendationViewSchema>;

/** The publication state of one evaluation, for its coordinator's panel. */
export const publicationViewSchema = z.object({
  conditions: z.array(z.string()),
  conditionsDueOn: z.string().nullable(),
  conditionsMetOn: z.string().nullable(),
  effectiveOn: z.string().nullable(),
  recommendation: recommendationViewSchema.nullable(),
});
export type PublicationView = z.infer<typeof publicationViewSchema>;

/** Public registry search: every filter optional, matched case-insensitively. */
export const registryQuerySchema = z.strictObject({
  course: z.string().trim().max(200).optional(),
  provider: z.string().trim().max(200).optional(),
  subject: z.string().trim().max(200).optional(),
  level: z.enum(creditLevels).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export type RegistryQuery = z.infer<typeof registryQuerySchema>;

export const registryListResponseSchema = z.object({ recommendations: z.array(recommendationViewSchema) });
export type RegistryListResponse = z.infer<typeof registryListResponseSchema>;

export const registryRecordResponseSchema = z.object({
  recommendation: recommendationViewSchema,
  /** Every version for the course, newest first. */
  versions: z.array(recommendationViewSchema),
});
export type RegistryRecordResponse = z.infer<typeof registryRecordResponseSchema>;
