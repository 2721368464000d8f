import { z } from 'zod';
import { evaluationStates } from '../workflow/evaluation.ts';

export const evaluationCycles = ['initial', 're_review'] as const;
export const evaluationCycleSchema = z.enum(evaluationCycles);
export const evaluationStateSchema = z.enum(evaluationStates);

/** The working phases that carry a due date, in the order they happen. */
export const duePhases = ['panel_forming', 'independent_review', 'deliberation', 'voting'] as const;
export const phaseDueDatesSchema = z
  .strictObject({
    panel_forming: z.iso.date().optional(),
    independent_review: z.iso.date().optional(),
    deliberation: z.iso.date().optional(),
    voting: z.iso.date().optional(),
  })
  .superRefine((dates, context) => {
    let previous: { phase: string; date: string } | null = null;
    for (const phase of duePhases) {
      const date = dates[phase];
      if (!date) continue;
      if (previous && date < previous.date) {
        context.addIssue({ code: 'custom', path: [phase], message: `Due before ${previous.phase.replaceAll('_', ' ')} (${previous.date}).` });
      }
      previous = { phase, date };
    }
  });
export type PhaseDueDates = z.infer<typeof phaseDueDatesSchema>;

/** How a motion carries: by default a majority of the seated reviewers, chair included. */
export const quorumRules = ['majority_of_seated', 'two_thirds_of_seated', 'unanimous'] as const;
export const quorumRuleSchema = z.enum(quorumRules);
export type QuorumRule = z.infer<typeof quorumRuleSchema>;

export const createEvaluationBodySchema = z.strictObject({
  courseId: z.uuid(),
  cycle: evaluationCycleSchema.default('initial'),
  panelSize: z.number().int().min(3).max(9).default(3),
  /** Defaults to the independent review's due date when that is given. */
  reviewDueOn: z.iso.date().optional(),
  phaseDueDates: phaseDueDatesSchema.default({}),
  quorumRule: quorumRuleSchema.default('majority_of_seated'),
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
  phaseDueDates: z.partialRecord(z.enum(duePhases), z.string()),
  quorumRule: quorumRuleSchema,
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
