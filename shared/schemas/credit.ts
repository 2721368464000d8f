import { z } from 'zod';

/** Credit levels as stored; `creditLevelLabels` phrases them as the National Guide does. */
export const creditLevels = ['vocational_certificate', 'lower_division', 'upper_division', 'graduate'] as const;
export const creditLevelSchema = z.enum(creditLevels);
export type CreditLevel = z.infer<typeof creditLevelSchema>;

export const creditLevelLabels: Record<CreditLevel, string> = {
  vocational_certificate: 'vocational certificate',
  lower_division: 'lower-division baccalaureate/associate degree',
  upper_division: 'upper-division baccalaureate degree',
  graduate: 'graduate degree',
};

/** 0.5 to 12 semester hours, in halves. */
export const semesterHoursSchema = z
  .number()
  .min(0.5, 'At least 0.5 semester hours.')
  .max(12, 'At most 12 semester hours.')
  .refine((hours) => Number.isInteger(hours * 2), 'Semester hours come in halves (0.5, 1, 1.5, …).');

/** One credit line: hours, level and subject. */
export const creditLineSchema = z.strictObject({
  semesterHours: semesterHoursSchema,
  level: creditLevelSchema,
  subject: z.string().trim().min(2, 'Name the subject.').max(120),
});
export type CreditLineInput = z.infer<typeof creditLineSchema>;

/** A credit line while it is being written: the subject may still be empty. */
export const draftCreditLineSchema = creditLineSchema.extend({ subject: z.string().trim().max(120) });
