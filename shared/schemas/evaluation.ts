import { z } from 'zod';
import { evaluationStates } from '../workflow/evaluation.ts';

export const evaluationCycles = ['initial', 're_review'] as const;
export const evaluationCycleSchema = z.enum(evaluationCycles);
export const evaluationStateSchema = z.enum(evaluationStates);

export const createEvaluationBodySchema = z.strictObject({
  courseId: z.uuid(),
  cycle: evaluationCycleSchema.default('initial'),
  panelSize: z.number().int().min(3).max(9).default(3),
  reviewDueOn: z.iso.date().optional(),
});
export type CreateEvaluationBody = z.input<typeof createEvaluationBodySchema>;

export const transitionEvaluationBodySchema = z.strictObject({
  action: z.string().min(1).max(64),
  /** The state the client saw; a stale view is refused rather than applied twice. */
  expectedState: evaluationStateSchema,
});
export type TransitionEvaluationBody = z.infer<typeof transitionEvaluationBodySchema>;

export const jobStates = ['queued', 'running', 'done', 'failed'] as const;
export const jobSummarySchema = z.object({
  id: z.uuid(),
  kind: z.string(),
  state: z.enum(jobStates),
  progress: z.number(),
  artifactSha256: z.string().nullable(),
  error: z.string().nullable(),
  updatedAt: z.string(),
});
export type JobSummary = z.infer<typeof jobSummarySchema>;

export const evaluationSchema = z.object({
  id: z.uuid(),
  course: z.object({ id: z.uuid(), title: z.string(), code: z.string(), version: z.string(), provider: z.string() }),
  cycle: evaluationCycleSchema,
  status: evaluationStateSchema,
  panelSize: z.number(),
  reviewDueOn: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.object({ id: z.uuid(), name: z.string() }),
  summaryJob: jobSummarySchema.nullable(),
  abilities: z.object({
    transitions: z.array(
      z.object({
        action: z.string(),
        to: evaluationStateSchema,
        allowed: z.boolean(),
        failures: z.array(z.object({ guard: z.string(), message: z.string() })),
      }),
    ),
  }),
});
export type Evaluation = z.infer<typeof evaluationSchema>;

export const evaluationListResponseSchema = z.object({
  evaluations: z.array(evaluationSchema),
  abilities: z.record(z.string(), z.boolean()),
});
export type EvaluationListResponse = z.infer<typeof evaluationListResponseSchema>;
