import { Router } from 'express';
import { errors } from '../../../shared/errors.ts';
import { can } from '../../../shared/policies/index.ts';
import type { Actor } from '../../../shared/roles.ts';
import { idParamsSchema } from '../../../shared/schemas/common.ts';
import { courseBodySchema, courseImportBodySchema } from '../../../shared/schemas/course.ts';
import { importCourses } from '../../commands/importCourses.ts';
import { createCourse, updateCourse } from '../../commands/saveCourse.ts';
import type { AppContext } from '../../context.ts';
import { listCourses, loadCourse, presentCourseSummary } from '../../domain/courses.ts';
import { endpoint } from '../pipeline.ts';

/** What the course pages may offer this actor. */
export function courseAbilities(actor: Actor) {
  return {
    'course.create': can(actor, 'course.create', null),
    'course.update': can(actor, 'course.update', null),
    'course.import': can(actor, 'course.import', null),
    'provider.create': can(actor, 'provider.create', null),
  };
}

/** Courses taken in from providers: list, read, create, edit, and JSON/CSV import. */
export function coursesRouter(app: AppContext): Router {
  const router = Router();

  router.get(
    '/',
    endpoint(app, { allow: 'course.list' }, async ({ actor }) => ({ courses: await listCourses(app.db), abilities: courseAbilities(actor) })),
  );

  router.post(
    '/',
    endpoint(app, { allow: 'course.create', body: courseBodySchema }, async ({ actor, body, res }) => {
      const created = await createCourse(app, actor, body);
      res.status(201);
      return { course: await loadCourse(app.db, created.id) };
    }),
  );

  for (const format of ['json', 'csv'] as const) {
    router.post(
      `/import/${format}`,
      endpoint(app, { allow: 'course.import', body: courseImportBodySchema }, async ({ actor, body, res }) => {
        const imported = await importCourses(app, actor, { ...body, format });
        res.status(201);
        return { imported: imported.courses.map((course) => presentCourseSummary(course, imported.provider)), sha256: imported.sha256 };
      }),
    );
  }

  router.get(
    '/:id',
    endpoint(app, { allow: 'course.list', params: idParamsSchema }, async ({ actor, params }) => {
      const course = await loadCourse(app.db, params.id);
      if (!course) throw errors.notFound('Course');
      return { course, abilities: courseAbilities(actor) };
    }),
  );

  router.put(
    '/:id',
    endpoint(app, { allow: 'course.update', params: idParamsSchema, body: courseBodySchema }, async ({ actor, params, body }) => {
      await updateCourse(app, actor, params.id, body);
      return { course: await loadCourse(app.db, params.id) };
    }),
  );

  return router;
}
