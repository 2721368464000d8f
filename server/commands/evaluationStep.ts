import { eq } from 'drizzle-orm';
import { errors } from '../../shared/errors.ts';
import type { EvaluationSubject } from '../../shared/policies/index.ts';
import { checkTransition, type WorkflowRole } from '../../shared/workflow/engine.ts';
import { evaluationMachine, type EvaluationState } from '../../shared/workflow/evaluation.ts';
import { recordAudit } from '../audit/auditLog.ts';
import type { AppContext } from '../context.ts';
import type { Tx } from '../db/client.ts';
import { evaluations } from '../db/schema.ts';
import { evaluationContext, findEvaluation, loadEvaluationSubject, type EvaluationFacts, type EvaluationRow } from '../domain/evaluations.ts';
import { revokeDocumentAccess } from '../realtime/documents/access.ts';
import type { AfterCommit } from './unitOfWork.ts';

/** Locks an evaluation row for the rest of the transaction and loads its policy facts; 404 when absent. */
export async function lockEvaluation(tx: Tx, evaluationId: string): Promise<{ row: EvaluationRow; subject: EvaluationSubject }> {
  const row = await findEvaluation(tx, evaluationId, { forUpdate: true });
  if (!row) throw errors.notFound('Evaluation');
  return { row, subject: await loadEvaluationSubject(tx, row) };
}

/** Refuses a stale view: the client acted on a state the evaluation has since left. */
export function assertExpectedState(row: EvaluationRow, expected: EvaluationState | undefined): void {
  if (expected === undefined || row.status === expected) return;
  throw errors.conflict(`The evaluation is now ${row.status.replaceAll('_', ' ')}; refresh and try again.`, { status: row.status });
}

interface StepInput {
  row: EvaluationRow;
  subject: EvaluationSubject;
  action: string;
  role: WorkflowRole;
  facts?: EvaluationFacts;
}

/** Throws the workflow's refusal (403 for the role, 409 for the state or a guard) unless the step may be taken. */
export function assertStep({ row, subject, action, role, facts }: StepInput) {
  const check = checkTransition(evaluationMachine, row.status as EvaluationState, action, role, evaluationContext(row, subject, facts));
  if (check.ok) return check.transition;
  if (check.reason === 'role_not_allowed') throw errors.forbidden(check.message, { reason: check.reason });
  throw errors.invalidTransition(check.message, { reason: check.reason, failures: check.reason === 'guard_failed' ? check.failures : [] });
}

/**
 * Takes one workflow step inside the caller's transaction: checks it against shared/workflow, writes
 * the new status and its audit event, and tells the dashboards after commit.
 */
export async function stepEvaluation(
  tx: Tx,
  after: AfterCommit,
  app: Pick<AppContext, 'notify' | 'documents'>,
  input: StepInput & { actorId: string | null; changes?: Partial<Pick<EvaluationRow, 'conditions' | 'conditionsDueOn' | 'conditionsMetOn'>>; detail?: Record<string, unknown> },
): Promise<EvaluationRow> {
  const transition = assertStep(input);
  const from = input.row.status;
  const [updated] = await tx
    .update(evaluations)
    .set({ ...input.changes, status: transition.to, updatedAt: new Date() })
    .where(eq(evaluations.id, input.row.id))
    .returning();
  if (!updated) throw errors.internal();
  await recordAudit(tx, {
    actorId: input.actorId,
    action: `evaluation.${input.action}`,
    subjectType: 'evaluation',
    subjectId: updated.id,
    before: { status: from },
    after: { status: updated.status, ...input.changes, ...input.detail },
  });
  after.push(() => app.notify.evaluationChanged(updated.id, updated.status));
  // A new phase may end editing (or reading) of the worksheet: drop cached facts, re-check its sockets.
  after.push(async () => void (await revokeDocumentAccess(app, updated.id)));
  return updated;
}
