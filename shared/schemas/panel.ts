import { z } from 'zod';

export const seatRoles = ['chair', 'subject_expert', 'member'] as const;
export const seatRoleSchema = z.enum(seatRoles);

export const conflictReasons = ['same_institution', 'same_email_domain', 'declared'] as const;
export const conflictReasonSchema = z.enum(conflictReasons);

/** Seat a reviewer. A detected conflict refuses the seat unless the coordinator justifies an override. */
export const seatReviewerBodySchema = z.strictObject({
  reviewerId: z.uuid(),
  seatRole: seatRoleSchema,
  conflictOverride: z
    .strictObject({
      justification: z.string().trim().min(10, 'Give a justification of at least 10 characters.').max(2000),
    })
    .optional(),
});
export type SeatReviewerBody = z.infer<typeof seatReviewerBodySchema>;

export const seatParamsSchema = z.strictObject({ id: z.uuid(), seatId: z.uuid() });

/** A reviewer declares a conflict of interest on an evaluation, with the reason. */
export const declareConflictBodySchema = z.strictObject({
  reason: z.string().trim().min(5, 'Say briefly what the conflict is (at least 5 characters).').max(2000),
});
export type DeclareConflictBody = z.infer<typeof declareConflictBodySchema>;

const personSchema = z.object({ id: z.uuid(), name: z.string(), institution: z.string(), email: z.string() });

export const panelSeatSchema = z.object({
  id: z.uuid(),
  reviewer: personSchema,
  seatRole: seatRoleSchema,
  seatedAt: z.string(),
  seatedBy: z.string(),
  /** Shown to coordinators and admins only (null for panelists). */
  conflict: z
    .object({
      reasons: z.array(conflictReasonSchema),
      override: z.string().nullable(),
      /** True when a conflict bars the seat: detected without override, or declared after it. */
      standing: z.boolean(),
    })
    .nullable(),
});
export type PanelSeat = z.infer<typeof panelSeatSchema>;

export const conflictDeclarationSchema = z.object({
  id: z.uuid(),
  reviewer: z.object({ id: z.uuid(), name: z.string() }),
  reason: z.string(),
  declaredAt: z.string(),
});
export type ConflictDeclaration = z.infer<typeof conflictDeclarationSchema>;

export const panelSchema = z.object({
  evaluationId: z.uuid(),
  status: z.string(),
  panelSize: z.number(),
  seats: z.array(panelSeatSchema),
  /** Coordinators and admins only; empty for panelists. */
  declarations: z.array(conflictDeclarationSchema),
  abilities: z.object({ manage: z.boolean(), declareConflict: z.boolean(), readConflicts: z.boolean() }),
});
export type Panel = z.infer<typeof panelSchema>;

export const expertiseMatchSchema = z.object({
  term: z.string(),
  where: z.enum(['subject', 'title', 'learning_outcomes', 'syllabus', 'description']),
  points: z.number(),
});
export type ExpertiseMatchView = z.infer<typeof expertiseMatchSchema>;

export const reviewerSuggestionSchema = z.object({
  reviewer: personSchema.extend({ expertise: z.array(z.string()) }),
  score: z.number(),
  matches: z.array(expertiseMatchSchema),
  conflicts: z.array(conflictReasonSchema),
});
export type ReviewerSuggestion = z.infer<typeof reviewerSuggestionSchema>;
