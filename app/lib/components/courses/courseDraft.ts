import { courseBodySchema, type Course, type CourseBody, type BloomLevel } from '$shared/schemas/course.ts';

/** The course form's editable state: numbers may be blank while typing, topics are one comma-separated line. */
export interface CourseDraft {
  providerId: string;
  title: string;
  code: string;
  version: string;
  subject: string;
  partnerInstitution: string;
  partnerDomain: string;
  description: string;
  contactHours: number | null;
  syllabus: { week: number | null; title: string; topics: string }[];
  learningOutcomes: { text: string; bloom: BloomLevel }[];
  assessments: { type: string; weight: number | null; measures: string }[];
  examBlueprint: { section: string; items: number | null; weight: number | null }[];
}

/** An empty form, with one row in each list. */
export function emptyDraft(providerId = ''): CourseDraft {
  return {
    providerId,
    title: '',
    code: '',
    version: '',
    subject: '',
    partnerInstitution: '',
    partnerDomain: '',
    description: '',
    contactHours: null,
    syllabus: [{ week: 1, title: '', topics: '' }],
    learningOutcomes: [{ text: '', bloom: 'apply' }],
    assessments: [{ type: '', weight: null, measures: '' }],
    examBlueprint: [{ section: '', items: null, weight: null }],
  };
}

/** The form filled from a stored course. */
export function draftOf(course: Course): CourseDraft {
  return {
    providerId: course.provider.id,
    title: course.title,
    code: course.code,
    version: course.version,
    subject: course.subject,
    partnerInstitution: course.partnerInstitution,
    partnerDomain: course.partnerDomain ?? '',
    description: course.description,
    contactHours: course.contactHours,
    syllabus: course.syllabus.map((section) => ({ ...section, topics: section.topics.join(', ') })),
    learningOutcomes: course.learningOutcomes.map((outcome) => ({ ...outcome })),
    assessments: course.assessments.map((assessment) => ({ ...assessment })),
    examBlueprint: course.examBlueprint.map((section) => ({ ...section })),
  };
}

const isBlankBlueprint = (row: CourseDraft['examBlueprint'][number]) => !row.section.trim() && row.items === null && row.weight === null;

/** The request body, checked by the same schema as the server; problems come back as `path: message`. */
export function bodyOf(draft: CourseDraft): { body: CourseBody } | { problems: string[] } {
  const candidate = {
    ...draft,
    partnerDomain: draft.partnerDomain.trim() === '' ? null : draft.partnerDomain,
    syllabus: draft.syllabus.map((section) => ({
      ...section,
      topics: section.topics
        .split(',')
        .map((topic) => topic.trim())
        .filter(Boolean),
    })),
    // An untouched blueprint row means "no proctored-exam blueprint".
    examBlueprint: draft.examBlueprint.filter((row) => !isBlankBlueprint(row)),
  };
  const result = courseBodySchema.safeParse(candidate);
  if (result.success) return { body: result.data };
  return { problems: result.error.issues.map((issue) => `${issue.path.join('.') || 'course'}: ${issue.message}`) };
}

/** The sum of a list's weights, for the running total shown under it. */
export function weightTotal(rows: readonly { weight: number | null }[]): number {
  return Math.round(rows.reduce((sum, row) => sum + (row.weight ?? 0), 0) * 100) / 100;
}
