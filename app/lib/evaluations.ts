import type { Evaluation, JobSummary } from '$shared/schemas/evaluation.ts';

/** The fresher of two views of a summary job: a refetch must not undo a newer live update. */
export function newerJob(current: JobSummary | null, incoming: JobSummary | null): JobSummary | null {
  if (!current || !incoming) return incoming ?? current;
  if (current.id !== incoming.id) return incoming;
  return incoming.updatedAt >= current.updatedAt ? incoming : current;
}

/** Replaces evaluations with a fetched list, keeping any summary job that live events made newer. */
export function mergeEvaluations(current: readonly Evaluation[], fetched: readonly Evaluation[]): Evaluation[] {
  const known = new Map(current.map((evaluation) => [evaluation.id, evaluation]));
  return fetched.map((evaluation) => {
    const before = known.get(evaluation.id);
    if (!before) return evaluation;
    return { ...evaluation, summaryJob: newerJob(before.summaryJob, evaluation.summaryJob) };
  });
}

/** Applies a pushed job to the evaluation it belongs to; false when that evaluation is not shown. */
export function applyJob(evaluations: Evaluation[], evaluationId: string | null, job: JobSummary): boolean {
  const index = evaluations.findIndex((evaluation) => evaluation.id === evaluationId);
  const evaluation = evaluations[index];
  if (!evaluation) return false;
  evaluations[index] = { ...evaluation, summaryJob: newerJob(evaluation.summaryJob, job) };
  return true;
}
