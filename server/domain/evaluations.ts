import { eq } from 'drizzle-orm';
import type { EvaluationSubject } from '../../shared/policies/index.ts';
import { emptyEvaluationContext, type EvaluationContext } from '../../shared/workflow/evaluation.ts';
import type { DbOrTx } from '../db/client.ts';
import { evaluations } from '../db/schema.ts';

export type EvaluationRow = typeof evaluations.$inferSelect;

/** The facts the evaluation policy reads. Panels arrive with the evaluation-workflow issue; until then no one is seated. */
export function evaluationSubject(row: Pick<EvaluationRow, 'id'>): EvaluationSubject {
  return { id: row.id, seatedReviewerIds: [] };
}

/** The facts the Evaluation workflow guards read, from the database. */
export function evaluationContext(row: Pick<EvaluationRow, 'panelSize'>): EvaluationContext {
  return emptyEvaluationContext(row.panelSize);
}

/** Loads one evaluation row, optionally locking it for the rest of the transaction. */
export async function findEvaluation(db: DbOrTx, id: string, options: { forUpdate?: boolean } = {}): Promise<EvaluationRow | null> {
  const query = db.select().from(evaluations).where(eq(evaluations.id, id));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  return row ?? null;
}
