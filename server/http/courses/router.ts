import { Router } from 'express';
import { asc, eq } from 'drizzle-orm';
import type { CourseSummary } from '../../../shared/schemas/course.ts';
import type { AppContext } from '../../context.ts';
import { courses, providers } from '../../db/schema.ts';
import { endpoint } from '../pipeline.ts';

/** Courses taken in from providers. */
export function coursesRouter(app: AppContext): Router {
  const router = Router();
  router.get(
    '/',
    endpoint(app, { allow: 'course.list' }, async () => {
      const rows = await app.db
        .select({ course: courses, provider: providers })
        .from(courses)
        .innerJoin(providers, eq(providers.id, courses.providerId))
        .orderBy(asc(courses.title));
      const list: CourseSummary[] = rows.map(({ course, provider }) => ({
        id: course.id,
        code: course.code,
        title: course.title,
        version: course.version,
        subject: course.subject,
        contactHours: course.contactHours,
        provider: { id: provider.id, name: provider.name },
      }));
      return { courses: list };
    }),
  );
  return router;
}
