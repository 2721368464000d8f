import { Router } from 'express';
import { eq } from 'drizzle-orm';
import { errors } from '../../../shared/errors.ts';
import { can } from '../../../shared/policies/index.ts';
import { worksheetDocumentId } from '../../../shared/realtime/documents.ts';
import { idParamsSchema } from '../../../shared/schemas/common.ts';
import type { WorksheetDraft, WorksheetInfo } from '../../../shared/schemas/worksheet.ts';
import { readDraft, readOutcomes } from '../../../shared/worksheet.ts';
import type { EvaluationState } from '../../../shared/workflow/evaluation.ts';
import { authorize } from '../../auth/authorize.ts';
import type { AppContext } from '../../context.ts';
import { courses, providers } from '../../db/schema.ts';
import { findEvaluation, loadEvaluationSubject } from '../../domain/evaluations.ts';
import { buildDoc, loadStoredDocument } from '../../realtime/documents/persistence.ts';
import { endpoint } from '../pipeline.ts';

/**
 * The worksheet of an evaluation: its document id, the course evidence it maps, and the caller's
 * abilities; and its draft recommendation and outcome mapping as stored.
 */
export function worksheetsRouter(app: AppContext): Router {
  const router = Router();

  router.get(
    '/:id',
    endpoint(app, { params: idParamsSchema }, async ({ actor, params }): Promise<{ worksheet: WorksheetInfo }> => {
      const row = await findEvaluation(app.db, params.id);
      if (!row) throw errors.notFound('Evaluation');
      const subject = await loadEvaluationSubject(app.db, row);
      authorize(actor, 'worksheet.read', subject);
      const [found] = await app.db
        .select({ course: courses, provider: providers })
        .from(courses)
        .innerJoin(providers, eq(providers.id, courses.providerId))
        .where(eq(courses.id, row.courseId));
      if (!found) throw errors.notFound('Course');
      const { course, provider } = found;
      return {
        worksheet: {
          documentId: worksheetDocumentId(row.id),
          evaluationId: row.id,
          status: row.status as EvaluationState,
          course: {
            title: course.title,
            code: course.code,
            version: course.version,
            provider: provider.name,
            syllabus: course.syllabus,
            learningOutcomes: course.learningOutcomes,
            assessments: course.assessments,
          },
          abilities: { 'worksheet.read': true, 'worksheet.write': can(actor, 'worksheet.write', subject) },
        },
      };
    }),
  );

  router.get(
    '/:id/draft',
    endpoint(app, { params: idParamsSchema }, async ({ actor, params }): Promise<WorksheetDraft> => {
      const row = await findEvaluation(app.db, params.id);
      if (!row) throw errors.notFound('Evaluation');
      authorize(actor, 'worksheet.read', await loadEvaluationSubject(app.db, row));
      // What is stored is every edit the server has acknowledged: the panel sees "All changes saved".
      const stored = await loadStoredDocument(app.db, worksheetDocumentId(row.id));
      const doc = buildDoc(stored.updates);
      try {
        return { draft: readDraft(doc), outcomes: readOutcomes(doc) };
      } finally {
        doc.destroy();
      }
    }),
  );

  return router;
}
