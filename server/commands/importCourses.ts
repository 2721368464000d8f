import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { errors } from '../../shared/errors.ts';
import type { Actor } from '../../shared/roles.ts';
import type { CourseImportBody, ImportProblem } from '../../shared/schemas/course.ts';
import { recordAudit } from '../audit/auditLog.ts';
import { authorize } from '../auth/authorize.ts';
import type { AppContext } from '../context.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { courses, providers } from '../db/schema.ts';
import { readCourseCsv } from '../domain/courseCsv.ts';
import { readCourseJson, type ImportedCourse } from '../domain/courseImport.ts';
import { courseKey, existingCourseKeys } from '../domain/courses.ts';
import { inTransaction } from './unitOfWork.ts';

function where(course: ImportedCourse): string {
  if (course.line !== null) return `line ${course.line}`;
  return course.label ? `entry ${course.label}` : 'the file';
}

function refuse(problems: ImportProblem[]) {
  const count = problems.length;
  return errors.validation(problems, `The file has ${count} problem${count === 1 ? '' : 's'}; nothing was imported.`);
}

/**
 * Imports a JSON course (or array) or a CSV batch for one provider, all or nothing: every row is
 * validated and checked against existing course versions first; one problem anywhere writes nothing.
 */
export async function importCourses(app: AppContext, actor: Actor, input: CourseImportBody & { format: 'json' | 'csv' }) {
  authorize(actor, 'course.import', null);
  const reading = input.format === 'csv' ? readCourseCsv(input.content) : readCourseJson(input.content);
  // A file that could not be read at all (syntax, header) is refused before asking the database anything.
  if (reading.courses.length === 0) throw refuse(reading.problems);
  const sha256 = createHash('sha256').update(input.content).digest('hex');
  try {
    return await inTransaction(app, async (tx) => {
      const [provider] = await tx.select().from(providers).where(eq(providers.id, input.providerId));
      if (!provider) throw errors.validation([{ in: 'body', path: 'providerId', message: 'No such provider.' }]);
      const existing = await existingCourseKeys(tx, provider.id, reading.courses.map((course) => course.fields.code));
      const seen = new Map<string, ImportedCourse>();
      const problems: ImportProblem[] = [...reading.problems];
      for (const course of reading.courses) {
        const key = courseKey(course.fields.code, course.fields.version);
        const earlier = seen.get(key);
        if (existing.has(key)) {
          problems.push({ line: course.line, field: course.label ? `${course.label}.code` : 'code', message: `${provider.name} already has ${course.fields.code} version ${course.fields.version}.` });
        } else if (earlier) {
          problems.push({ line: course.line, field: course.label ? `${course.label}.code` : 'code', message: `Same code and version as ${where(earlier)}.` });
        }
        seen.set(key, earlier ?? course);
      }
      if (problems.length > 0) throw refuse(problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));

      const inserted = await tx
        .insert(courses)
        .values(reading.courses.map((course) => ({ ...course.fields, providerId: provider.id })))
        .returning();
      for (const [index, course] of inserted.entries()) {
        await recordAudit(tx, {
          actorId: actor.id,
          action: 'course.imported',
          subjectType: 'course',
          subjectId: course.id,
          before: null,
          after: { ...course, importedFrom: { format: input.format, line: reading.courses[index]?.line ?? null, sha256 } },
        });
      }
      return { provider, courses: inserted, sha256 };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw errors.conflict('A course in this file was added by someone else meanwhile; nothing was imported. Try again.', { reason: 'duplicate_course' });
    throw error;
  }
}
