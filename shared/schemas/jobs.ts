import { z } from 'zod';

/** Job payloads carry ids only: processors reload what they need. */
export const evaluationCreatedPayloadSchema = z.strictObject({
  jobId: z.uuid(),
  evaluationId: z.uuid(),
});
export type EvaluationCreatedPayload = z.infer<typeof evaluationCreatedPayloadSchema>;

export const queueNames = { evaluations: 'evaluations' } as const;
export const jobKinds = { evaluationCreated: 'evaluation.created' } as const;
