import { Router } from 'express';
import { errors } from '../../../shared/errors.ts';
import { idParamsSchema } from '../../../shared/schemas/common.ts';
import type { Course } from '../../../shared/schemas/course.ts';
import { authorize } from '../../auth/authorize.ts';
import type { AppContext } from '../../context.ts';
import { loadCourse } from '../../domain/courses.ts';
import { findEvaluation, loadEvaluationSubject } from '../../domain/evaluations.ts';
import { endpoint } from '../pipeline.ts';

/**
 * The evidence of the course under evaluation (description, syllabus, outcomes, assessments,
 * contact hours, exam blueprint) for everyone who may read the evaluation: seated panelists review
 * it alone during independent review, when the course pages are closed to them.
 */
export function evaluationCourseRouter(app: AppContext): Router {
  const router = Router();

  router.get(
    '/:id/course',
    endpoint(app, { params: idParamsSchema }, async ({ actor, params }): Promise<{ course: Course }> => {
      const row = await findEvaluation(app.db, params.id);
      if (!row) throw errors.notFound('Evaluation');
      authorize(actor, 'evaluation.read', await loadEvaluationSubject(app.db, row));
      const course = await loadCourse(app.db, row.courseId);
      if (!course) throw errors.notFound('Course');
      return { course };
    }),
  );

  return router;
}
