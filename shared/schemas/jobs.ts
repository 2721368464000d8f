import { z } from 'zod';

/** Job payloads carry ids only: processors reload what they need. */
export const evaluationCreatedPayloadSchema = z.strictObject({
  jobId: z.uuid(),
  evaluationId: z.uuid(),
});
export type EvaluationCreatedPayload = z.infer<typeof evaluationCreatedPayloadSchema>;

/** Merge a collaborative document's update log into its snapshot (maintenance: no job row). */
export const compactDocumentPayloadSchema = z.strictObject({
  documentId: z.string().regex(/^worksheet:[0-9a-f-]{36}$/),
});
export type CompactDocumentPayload = z.infer<typeof compactDocumentPayloadSchema>;

/** The periodic sweep that flags published recommendations for re-review 120 days before valid-until (no ids: it scans). */
export const reReviewSweepPayloadSchema = z.strictObject({});
export type ReReviewSweepPayload = z.infer<typeof reReviewSweepPayloadSchema>;
/** What a re-review sweep returns (and server processes read from BullMQ's completed event): the evaluations it moved. */
export const reReviewSweepResultSchema = z.strictObject({ flagged: z.array(z.uuid()) });
export type ReReviewSweepResult = z.infer<typeof reReviewSweepResultSchema>;

export const queueNames = { evaluations: 'evaluations', documents: 'documents', recommendations: 'recommendations' } as const;
export const jobKinds = { evaluationCreated: 'evaluation.created', compactDocument: 'document.compact', reReviewSweep: 'recommendation.re_review_sweep' } as const;
