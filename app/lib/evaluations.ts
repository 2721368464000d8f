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

/**
 * Orders the answers of a list's refetches and of its rows' refetches: each request is numbered as
 * it starts, and a row takes an answer only from a request started after the one whose answer it
 * shows, so a list fetched before a change cannot undo the row refetched after it.
 */
export class RowOrder {
  #started = 0;
  readonly #rowFrom = new Map<string, number>();

  /** Numbers a request as it starts. */
  start(): number {
    return ++this.#started;
  }

  /** Whether row `id` may take the answer of `request` (recorded when it may). */
  take(id: string, request: number): boolean {
    if ((this.#rowFrom.get(id) ?? 0) > request) return false;
    this.#rowFrom.set(id, request);
    return true;
  }
}

/** A fetched list, as `mergeEvaluations` makes it, keeping each row a later-started request answered already. */
export function mergeInOrder(current: readonly Evaluation[], fetched: readonly Evaluation[], request: number, order: RowOrder): Evaluation[] {
  const known = new Map(current.map((evaluation) => [evaluation.id, evaluation]));
  return mergeEvaluations(current, fetched).map((row) => (order.take(row.id, request) ? row : (known.get(row.id) ?? row)));
}
