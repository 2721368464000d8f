import { z } from 'zod';

/** Bloom's revised taxonomy, lowest to highest. */
export const bloomLevels = ['remember', 'understand', 'apply', 'analyze', 'evaluate', 'create'] as const;
export const bloomLevelSchema = z.enum(bloomLevels);
export type BloomLevel = z.infer<typeof bloomLevelSchema>;

const text = (max: number) => z.string().trim().min(1, 'Required.').max(max);
/** Weights are percentages; two decimals are plenty and keep sums exact enough. */
const percent = z.number().gt(0, 'Must be more than 0.').max(100, 'At most 100.');
const sumsTo100 = (rows: readonly { weight: number }[]) => Math.abs(rows.reduce((sum, row) => sum + row.weight, 0) - 100) < 0.01;

export const syllabusSectionSchema = z.strictObject({
  week: z.number().int().min(1).max(104),
  title: text(200),
  topics: z.array(text(200)).max(30).default([]),
});
export type SyllabusSection = z.infer<typeof syllabusSectionSchema>;

export const learningOutcomeSchema = z.strictObject({
  text: text(1000),
  bloom: bloomLevelSchema,
});
export type LearningOutcome = z.infer<typeof learningOutcomeSchema>;

export const assessmentSchema = z.strictObject({
  type: text(200),
  weight: percent,
  measures: text(1000),
});
export type Assessment = z.infer<typeof assessmentSchema>;

export const blueprintSectionSchema = z.strictObject({
  section: text(200),
  items: z.number().int().min(1).max(1000),
  weight: percent,
});
export type BlueprintSection = z.infer<typeof blueprintSectionSchema>;

/** An email domain such as `duke.edu` (no scheme, no `@`), stored lower-case. */
export const emailDomainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'Must be a domain such as duke.edu.');

/** Everything a course says about itself: the one schema of the form, the JSON import and each CSV row. */
export const courseFieldsSchema = z.strictObject({
  title: text(200),
  code: text(64).regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'Letters, digits and . _ : - only.'),
  version: text(32),
  subject: text(100),
  partnerInstitution: text(200),
  partnerDomain: emailDomainSchema.nullable().default(null),
  description: text(5000),
  contactHours: z.number().int().min(1).max(2000),
  syllabus: z.array(syllabusSectionSchema).min(1, 'At least one syllabus section.').max(104),
  learningOutcomes: z.array(learningOutcomeSchema).min(1, 'At least one learning outcome.').max(50),
  assessments: z
    .array(assessmentSchema)
    .min(1, 'At least one assessment.')
    .max(30)
    .refine(sumsTo100, 'Assessment weights must add up to 100 %.'),
  examBlueprint: z
    .array(blueprintSectionSchema)
    .max(50)
    .default([])
    .refine((rows) => rows.length === 0 || sumsTo100(rows), 'Exam blueprint weights must add up to 100 %.'),
});
export type CourseFields = z.infer<typeof courseFieldsSchema>;
export type CourseFieldsInput = z.input<typeof courseFieldsSchema>;

/** Create or edit a course (edits replace every field). */
export const courseBodySchema = courseFieldsSchema.extend({ providerId: z.uuid() });
export type CourseBody = z.infer<typeof courseBodySchema>;
export type CourseBodyInput = z.input<typeof courseBodySchema>;

/** An import: the file's text as uploaded, for one provider. The server parses it so errors name lines. */
export const courseImportBodySchema = z.strictObject({
  providerId: z.uuid(),
  content: z.string().min(1, 'The file is empty.').max(900_000, 'The file is larger than 900 kB.'),
});
export type CourseImportBody = z.infer<typeof courseImportBodySchema>;

/** One problem found in an import; `line` is the file's line (CSV) where the row starts. */
export const importProblemSchema = z.object({
  line: z.number().nullable(),
  field: z.string(),
  message: z.string(),
});
export type ImportProblem = z.infer<typeof importProblemSchema>;

export const providerBodySchema = z.strictObject({
  code: text(64).regex(/^[a-z0-9][a-z0-9-]*$/, 'Lower-case letters, digits and - only.'),
  name: text(200),
  kind: z.enum(['mooc', 'university', 'corporate', 'other']).default('mooc'),
});
export type ProviderBody = z.input<typeof providerBodySchema>;

export const providerSchema = z.object({ id: z.uuid(), code: z.string(), name: z.string(), kind: z.string(), courseCount: z.number() });
export type Provider = z.infer<typeof providerSchema>;

export const courseSummarySchema = z.object({
  id: z.uuid(),
  code: z.string(),
  title: z.string(),
  version: z.string(),
  subject: z.string(),
  contactHours: z.number(),
  partnerInstitution: z.string(),
  partnerDomain: z.string().nullable(),
  provider: z.object({ id: z.uuid(), name: z.string() }),
});
export type CourseSummary = z.infer<typeof courseSummarySchema>;

/** A course as the API shows it: every field, its provider and when it was taken in. */
export const courseSchema = courseSummarySchema.extend({
  description: z.string(),
  syllabus: z.array(syllabusSectionSchema),
  learningOutcomes: z.array(learningOutcomeSchema),
  assessments: z.array(assessmentSchema),
  examBlueprint: z.array(blueprintSectionSchema),
  createdAt: z.string(),
  /** Evaluations of this course that are past intake and still open: edits are refused while any exist. */
  evaluationsUnderway: z.number(),
});
export type Course = z.infer<typeof courseSchema>;
