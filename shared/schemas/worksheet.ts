import { z } from 'zod';
import { creditLevelSchema } from './credit.ts';
import { evaluationStateSchema } from './evaluation.ts';

/** GET /api/worksheets/:evaluationId: what the worksheet page shows around the live document. */
export const worksheetInfoSchema = z.object({
  documentId: z.string(),
  evaluationId: z.uuid(),
  status: evaluationStateSchema,
  course: z.object({
    title: z.string(),
    code: z.string(),
    version: z.string(),
    provider: z.string(),
    syllabus: z.array(z.object({ week: z.number(), title: z.string(), topics: z.array(z.string()) })),
    learningOutcomes: z.array(z.object({ text: z.string(), bloom: z.string() })),
    assessments: z.array(z.object({ type: z.string(), weight: z.number(), measures: z.string() })),
  }),
  /** Decided by the shared policy for the caller; the socket re-checks on every update. */
  abilities: z.object({ 'worksheet.read': z.boolean(), 'worksheet.write': z.boolean() }),
});
export type WorksheetInfo = z.infer<typeof worksheetInfoSchema>;

/**
 * GET /api/worksheets/:evaluationId/draft: the draft recommendation and the outcome mapping as
 * stored, i.e. every edit the server has acknowledged (what a motion can start from).
 */
export const worksheetDraftSchema = z.object({
  draft: z.object({
    semesterHours: z.number().nullable(),
    level: creditLevelSchema.nullable(),
    subject: z.string(),
    summary: z.string(),
  }),
  outcomes: z.array(z.object({ id: z.string(), outcome: z.string(), evidence: z.string(), met: z.enum(['yes', 'partly', 'no', 'undecided']) })),
});
export type WorksheetDraft = z.infer<typeof worksheetDraftSchema>;
