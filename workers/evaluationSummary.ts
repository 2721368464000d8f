import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import { evaluationCreatedPayloadSchema, jobKinds, queueNames } from '../shared/schemas/jobs.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import { artifacts, courses, evaluations, jobs, providers } from '../server/db/schema.ts';
import { defineJob } from './base.ts';

/** The summary's bytes depend only on stored rows, so a retried job writes the same artifact. */
export function renderEvaluationSummary(input: {
  evaluation: typeof evaluations.$inferSelect;
  course: typeof courses.$inferSelect;
  provider: typeof providers.$inferSelect;
}): string {
  const { evaluation, course, provider } = input;
  const lines = [
    `# Evaluation summary`,
    ``,
    `Course: ${course.title} (${provider.name} ${course.code}, version ${course.version})`,
    `Partner institution: ${course.partnerInstitution}`,
    `Subject: ${course.subject}`,
    `Contact hours: ${course.contactHours}`,
    `Cycle: ${evaluation.cycle}`,
    `Panel size: ${evaluation.panelSize}`,
    `Review due: ${evaluation.reviewDueOn ?? 'not set'}`,
    `Opened: ${evaluation.createdAt.toISOString()}`,
    ``,
    `## Learning outcomes (${course.learningOutcomes.length})`,
    ...course.learningOutcomes.map((outcome, index) => `${index + 1}. ${outcome.text} [${outcome.bloom}]`),
    ``,
    `## Assessments`,
    ...course.assessments.map((assessment) => `- ${assessment.type}, ${assessment.weight}%: ${assessment.measures}`),
    ``,
    `## Proctored exam blueprint`,
    ...course.examBlueprint.map((section) => `- ${section.section}: ${section.items} items, ${section.weight}%`),
    ``,
  ];
  return lines.join('\n');
}

/** `evaluation.created`: writes the evaluation's summary artifact and marks its job row done. */
export const evaluationSummaryJob = defineJob({
  kind: jobKinds.evaluationCreated,
  queue: queueNames.evaluations,
  schema: evaluationCreatedPayloadSchema,
  process: async (payload, job, { db, slowMs }) => {
    const [row] = await db.select().from(jobs).where(eq(jobs.id, payload.jobId));
    if (!row || row.state === 'done') return { skipped: true };
    const [found] = await db
      .select({ evaluation: evaluations, course: courses, provider: providers })
      .from(evaluations)
      .innerJoin(courses, eq(courses.id, evaluations.courseId))
      .innerJoin(providers, eq(providers.id, courses.providerId))
      .where(eq(evaluations.id, payload.evaluationId));
    if (!found) {
      await db.update(jobs).set({ state: 'failed', error: 'The evaluation no longer exists.', updatedAt: new Date() }).where(eq(jobs.id, row.id));
      return { skipped: true };
    }
    await db
      .update(jobs)
      .set({ state: 'running', attempts: row.attempts + 1, progress: 10, updatedAt: new Date() })
      .where(eq(jobs.id, row.id));
    await job.updateProgress(10);
    if (slowMs > 0) await sleep(slowMs);

    const bytes = Buffer.from(renderEvaluationSummary(found), 'utf8');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    await db.transaction(async (tx) => {
      await tx.insert(artifacts).values({ sha256, mediaType: 'text/markdown', size: bytes.length, bytes }).onConflictDoNothing();
      const [current] = await tx.select().from(jobs).where(eq(jobs.id, row.id)).for('update');
      if (!current || current.state === 'done') return;
      await tx
        .update(jobs)
        .set({ state: 'done', progress: 100, artifactSha256: sha256, error: null, updatedAt: new Date() })
        .where(eq(jobs.id, row.id));
      await recordAudit(tx, {
        actorId: null,
        action: 'job.done',
        subjectType: 'job',
        subjectId: row.id,
        before: { state: current.state },
        after: { state: 'done', artifactSha256: sha256 },
      });
    });
    await job.updateProgress(100);
    return { artifactSha256: sha256 };
  },
  onFailed: async (payload, error, { db }) => {
    await db
      .update(jobs)
      // What the coordinator reads on the evaluation page: no SQL, parameters or stack (the worker log has them).
      .set({ state: 'failed', error: `The summary could not be written (job ${payload.jobId}; details in the worker log).`, updatedAt: new Date() })
      .where(eq(jobs.id, payload.jobId));
  },
});
