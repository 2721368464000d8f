import type { z } from 'zod';
import { courseFieldsSchema, type CourseFields, type ImportProblem } from '../../shared/schemas/course.ts';

/** A course read from an import file, with the line its record starts on (CSV) . */
export interface ImportedCourse {
  line: number | null;
  /** `[index]` for an entry of a JSON array, empty otherwise; prefixes field names in problems. */
  label: string;
  fields: CourseFields;
}

export interface ImportReading {
  courses: ImportedCourse[];
  problems: ImportProblem[];
}

/** At most this many courses per file: a batch, not a data migration. */
export const MAX_IMPORT_COURSES = 500;

/** Validates one candidate course; zod's issues become problems named by `fieldName(path)`. */
export function validateCandidate(
  candidate: unknown,
  where: { line: number | null; fieldName: (path: readonly PropertyKey[]) => string },
): { fields: CourseFields } | { problems: ImportProblem[] } {
  const result = courseFieldsSchema.safeParse(candidate);
  if (result.success) return { fields: result.data };
  return { problems: result.error.issues.map((issue: z.core.$ZodIssue) => ({ line: where.line, field: where.fieldName(issue.path), message: issue.message })) };
}

/** The line a JSON syntax error is on, from V8's message ("… (line 3 column 5)"), or null. */
function jsonErrorLine(message: string): number | null {
  const match = /line (\d+)/.exec(message);
  return match ? Number(match[1]) : null;
}

/** Reads a JSON import: one course object (the course schema), or an array of them. */
export function readCourseJson(content: string): ImportReading {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { courses: [], problems: [{ line: jsonErrorLine(message), field: '', message: `Not valid JSON: ${message}` }] };
  }
  const batch = Array.isArray(parsed);
  const candidates: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
  if (candidates.length === 0) return { courses: [], problems: [{ line: null, field: '', message: 'The file holds no courses.' }] };
  if (candidates.length > MAX_IMPORT_COURSES) {
    return { courses: [], problems: [{ line: null, field: '', message: `At most ${MAX_IMPORT_COURSES} courses per file.` }] };
  }
  const reading: ImportReading = { courses: [], problems: [] };
  candidates.forEach((candidate, index) => {
    const label = batch ? `[${index}]` : '';
    const checked = validateCandidate(candidate, {
      line: null,
      fieldName: (path) => [label, path.map(String).join('.')].filter(Boolean).join('.') || '(course)',
    });
    if ('fields' in checked) reading.courses.push({ line: null, label, fields: checked.fields });
    else reading.problems.push(...checked.problems);
  });
  return reading;
}
