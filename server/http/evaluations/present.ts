import { alias } from 'drizzle-orm/pg-core';
import { desc, eq, inArray } from 'drizzle-orm';
import { can } from '../../../shared/policies/index.ts';
import type { Actor } from '../../../shared/roles.ts';
import type { Evaluation, JobSummary } from '../../../shared/schemas/evaluation.ts';
import { availableTransitions } from '../../../shared/workflow/engine.ts';
import { commandOnlySteps, evaluationMachine, type EvaluationState } from '../../../shared/workflow/evaluation.ts';
import type { DbOrTx } from '../../db/client.ts';
import { courses, evaluations, jobs, panelSeats, providers, users } from '../../db/schema.ts';
import { evaluationContext, loadEvaluationSubjects } from '../../domain/evaluations.ts';
import { loadMotionFacts } from '../../domain/motions.ts';
import { loadSubmittedReviewerIds } from '../../domain/reviews.ts';

type JobRow = typeof jobs.$inferSelect;

/** The wire shape of a job row. */
export function presentJob(row: JobRow): JobSummary {
  return {
    id: row.id,
    kind: row.kind,
    state: row.state,
    progress: row.progress,
    artifactSha256: row.artifactSha256,
    error: row.error,
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Loads evaluations as the actor may see them, each with the workflow steps the actor could take. */
export async function loadEvaluationViews(db: DbOrTx, actor: Actor, ids?: string[]): Promise<Evaluation[]> {
  const creator = alias(users, 'creator');
  const base = db
    .select({ evaluation: evaluations, course: courses, provider: providers, creator: { id: creator.id, name: creator.name } })
    .from(evaluations)
    .innerJoin(courses, eq(courses.id, evaluations.courseId))
    .innerJoin(providers, eq(providers.id, courses.providerId))
    .innerJoin(creator, eq(creator.id, evaluations.createdBy));
  // A reviewer reads only panels they sit on: those are picked before the page limit, else a reviewer's
  // older panels would drop out of their list behind 500 newer evaluations of others.
  const seatedOn = db.select({ id: panelSeats.evaluationId }).from(panelSeats).where(eq(panelSeats.reviewerId, actor.id));
  const scope = ids ? inArray(evaluations.id, ids) : actor.role === 'reviewer' ? inArray(evaluations.id, seatedOn) : undefined;
  const rows = await base.where(scope).orderBy(desc(evaluations.createdAt)).limit(500);
  const subjects = await loadEvaluationSubjects(db, rows.map((row) => row.evaluation));
  const visible = rows.filter((row) => can(actor, 'evaluation.read', subjects.get(row.evaluation.id)!));
  if (visible.length === 0) return [];

  const submittedReviewers = await loadSubmittedReviewerIds(db, visible.map((row) => row.evaluation.id));
  const motionFacts = await loadMotionFacts(db, visible.map((row) => row.evaluation.id));
  const jobRows = await db
    .select()
    .from(jobs)
    .where(inArray(jobs.subjectId, visible.map((row) => row.evaluation.id)))
    .orderBy(desc(jobs.createdAt));
  const latestJob = new Map<string, JobRow>();
  for (const job of jobRows) if (!latestJob.has(job.subjectId)) latestJob.set(job.subjectId, job);

  return visible.map(({ evaluation, course, provider, creator: createdBy }) => {
    const job = latestJob.get(evaluation.id);
    const subject = subjects.get(evaluation.id)!;
    const transitions = can(actor, 'evaluation.transition', subject)
      ? availableTransitions(evaluationMachine, evaluation.status as EvaluationState, actor.role, evaluationContext(evaluation, subject, { submittedReviewerIds: submittedReviewers.get(evaluation.id), motion: motionFacts.get(evaluation.id) })).filter(
          // Steps that carry data are offered by their own forms (the decision panel), not as bare buttons.
          (step) => !commandOnlySteps.includes(step.action),
        )
      : [];
    return {
      id: evaluation.id,
      course: { id: course.id, title: course.title, code: course.code, version: course.version, provider: provider.name },
      cycle: evaluation.cycle,
      status: evaluation.status as EvaluationState,
      panelSize: evaluation.panelSize,
      reviewDueOn: evaluation.reviewDueOn,
      phaseDueDates: evaluation.phaseDueDates,
      quorumRule: evaluation.quorumRule,
      createdAt: evaluation.createdAt.toISOString(),
      createdBy,
      summaryJob: job ? presentJob(job) : null,
      abilities: { transitions },
    };
  });
}
