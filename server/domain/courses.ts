import { and, asc, count, eq, inArray, notInArray } from 'drizzle-orm';
import type { Course, CourseSummary, Provider } from '../../shared/schemas/course.ts';
import type { DbOrTx } from '../db/client.ts';
import { courses, evaluations, providers } from '../db/schema.ts';

export type CourseRow = typeof courses.$inferSelect;
type ProviderRow = typeof providers.$inferSelect;

/** Evaluations in these states do not freeze a course: it has not been looked at, or the look was abandoned. */
const statesThatLeaveCourseEditable = ['intake', 'withdrawn'];

/** The list shape of a course. */
export function presentCourseSummary(course: CourseRow, provider: Pick<ProviderRow, 'id' | 'name'>): CourseSummary {
  return {
    id: course.id,
    code: course.code,
    title: course.title,
    version: course.version,
    subject: course.subject,
    contactHours: course.contactHours,
    partnerInstitution: course.partnerInstitution,
    partnerDomain: course.partnerDomain,
    provider: { id: provider.id, name: provider.name },
  };
}

/** Every course with its provider, by title. */
export async function listCourses(db: DbOrTx): Promise<CourseSummary[]> {
  const rows = await db
    .select({ course: courses, provider: providers })
    .from(courses)
    .innerJoin(providers, eq(providers.id, courses.providerId))
    .orderBy(asc(courses.title), asc(courses.version));
  return rows.map(({ course, provider }) => presentCourseSummary(course, provider));
}

/** How many evaluations of a course are past intake (and not withdrawn): its evidence is then frozen. */
export async function countEvaluationsUnderway(db: DbOrTx, courseId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(evaluations)
    .where(and(eq(evaluations.courseId, courseId), notInArray(evaluations.status, statesThatLeaveCourseEditable)));
  return row?.n ?? 0;
}

/** One course with every field, or null. */
export async function loadCourse(db: DbOrTx, id: string): Promise<Course | null> {
  const [row] = await db
    .select({ course: courses, provider: providers })
    .from(courses)
    .innerJoin(providers, eq(providers.id, courses.providerId))
    .where(eq(courses.id, id));
  if (!row) return null;
  const { course, provider } = row;
  return {
    ...presentCourseSummary(course, provider),
    description: course.description,
    syllabus: course.syllabus,
    learningOutcomes: course.learningOutcomes as Course['learningOutcomes'],
    assessments: course.assessments,
    examBlueprint: course.examBlueprint,
    createdAt: course.createdAt.toISOString(),
    evaluationsUnderway: await countEvaluationsUnderway(db, course.id),
  };
}

/** Providers with how many courses each has. */
export async function listProviders(db: DbOrTx): Promise<Provider[]> {
  const rows = await db
    .select({ provider: providers, courseCount: count(courses.id) })
    .from(providers)
    .leftJoin(courses, eq(courses.providerId, providers.id))
    .groupBy(providers.id)
    .orderBy(asc(providers.name));
  return rows.map(({ provider, courseCount }) => ({
    id: provider.id,
    code: provider.code,
    name: provider.name,
    kind: provider.kind,
    courseCount,
  }));
}

/** The `code@version` keys a provider already has among these codes (exact, like the unique index). */
export async function existingCourseKeys(db: DbOrTx, providerId: string, codes: readonly string[]): Promise<Set<string>> {
  if (codes.length === 0) return new Set();
  const rows = await db
    .select({ code: courses.code, version: courses.version })
    .from(courses)
    .where(and(eq(courses.providerId, providerId), inArray(courses.code, [...new Set(codes)])));
  return new Set(rows.map((row) => courseKey(row.code, row.version)));
}

/** The identity of a course version within its provider. */
export function courseKey(code: string, version: string): string {
  return `${code}@${version}`;
}
