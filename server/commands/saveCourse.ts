import { eq } from 'drizzle-orm';
import { errors } from '../../shared/errors.ts';
import type { Actor } from '../../shared/roles.ts';
import { courseBodySchema, type CourseBodyInput } from '../../shared/schemas/course.ts';
import { recordAudit } from '../audit/auditLog.ts';
import { authorize } from '../auth/authorize.ts';
import type { AppContext } from '../context.ts';
import type { Tx } from '../db/client.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { courses, providers } from '../db/schema.ts';
import { countEvaluationsUnderway } from '../domain/courses.ts';
import { inTransaction } from './unitOfWork.ts';

async function requireProvider(tx: Tx, providerId: string): Promise<void> {
  const [provider] = await tx.select({ id: providers.id }).from(providers).where(eq(providers.id, providerId));
  if (!provider) throw errors.validation([{ in: 'body', path: 'providerId', message: 'No such provider.' }]);
}

function duplicate(code: string, version: string) {
  return errors.conflict(`This provider already has course ${code} version ${version}.`, { reason: 'duplicate_course' });
}

/** Takes in a course version of a provider: the row and its audit event. */
export async function createCourse(app: AppContext, actor: Actor, input: CourseBodyInput) {
  authorize(actor, 'course.create', null);
  const { providerId, ...fields } = courseBodySchema.parse(input);
  try {
    return await inTransaction(app, async (tx) => {
      await requireProvider(tx, providerId);
      const [course] = await tx.insert(courses).values({ ...fields, providerId }).returning();
      if (!course) throw errors.internal();
      await recordAudit(tx, { actorId: actor.id, action: 'course.created', subjectType: 'course', subjectId: course.id, before: null, after: course });
      return course;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicate(fields.code, fields.version);
    throw error;
  }
}

/**
 * Replaces a course's fields, audited with before and after. Refused once an evaluation of the course
 * is past intake: the panel must review the evidence it was given, so a change is a new version.
 */
export async function updateCourse(app: AppContext, actor: Actor, courseId: string, input: CourseBodyInput) {
  authorize(actor, 'course.update', null);
  const { providerId, ...fields } = courseBodySchema.parse(input);
  try {
    return await inTransaction(app, async (tx) => {
      const [before] = await tx.select().from(courses).where(eq(courses.id, courseId)).for('update');
      if (!before) throw errors.notFound('Course');
      await requireProvider(tx, providerId);
      const underway = await countEvaluationsUnderway(tx, courseId);
      if (underway > 0) {
        throw errors.conflict('This course version is being (or was) evaluated, so its evidence is frozen. Take in a new version instead.', {
          reason: 'course_under_evaluation',
          evaluations: underway,
        });
      }
      const [after] = await tx.update(courses).set({ ...fields, providerId }).where(eq(courses.id, courseId)).returning();
      if (!after) throw errors.internal();
      await recordAudit(tx, { actorId: actor.id, action: 'course.updated', subjectType: 'course', subjectId: courseId, before, after });
      return after;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicate(fields.code, fields.version);
    throw error;
  }
}
