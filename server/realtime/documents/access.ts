import { inArray } from 'drizzle-orm';
import { AppError, errors } from '../../../shared/errors.ts';
import { can, type EvaluationSubject } from '../../../shared/policies/index.ts';
import type { DocumentRef } from '../../../shared/realtime/documents.ts';
import type { Actor } from '../../../shared/roles.ts';
import { authorize } from '../../auth/authorize.ts';
import type { DbOrTx } from '../../db/client.ts';
import { evaluations } from '../../db/schema.ts';
import { loadEvaluationSubjects } from '../../domain/evaluations.ts';
import { batchPerTurn } from '../../infra/batchPerTurn.ts';
import type { Logger } from '../../logger.ts';

/**
 * Room access for documents: joining needs `worksheet.read`, every update `worksheet.write`, both
 * decided by the shared policy over facts read from the database for that very request.
 */

/** Loads policy facts for evaluations, with one query round for all asks made while the previous round ran. */
export interface SubjectLoader {
  /** Fresh facts, from a query started after the ask (joins, re-checks). */
  load: (evaluationId: string) => Promise<EvaluationSubject | null>;
  /**
   * Facts for the per-update write check: the last fresh answer while it is younger than the TTL,
   * else a fresh load. Past half the TTL an update still uses the cached answer but starts a
   * refresh in the background, so a document in steady use never makes an update wait for the
   * database. Every command that changes access (seat removed, conflict declared, phase changed)
   * invalidates it on every process (a `recheck` relay), so the TTL only bounds changes made behind
   * the commands' back.
   */
  loadForUpdate: (evaluationId: string) => Promise<EvaluationSubject | null>;
  invalidate: (evaluationId: string) => void;
  /** Drops the cached facts of an evaluation whose documents this process no longer holds. */
  forget: (evaluationId: string) => void;
  /** Bumped by every `invalidate`: a caller that awaited in between knows access may have changed. */
  generation: (evaluationId: string) => number;
}

/**
 * A loader whose fresh answers come from a query started after the ask: asks are batched per
 * event-loop turn, and asks made while a round runs go together in the next (`batchPerTurn`), so a burst
 * of asks (200 joins at once) costs a few rounds of queries, not one per turn.
 */
export function createSubjectLoader(db: DbOrTx, ttlMs = 0): SubjectLoader {
  const cache = new Map<string, { subject: EvaluationSubject | null; at: number }>();
  /** Bumped by `invalidate`: an answer whose query was already running then is not cached. */
  const generations = new Map<string, number>();
  const refreshing = new Set<string>();
  const batched = batchPerTurn(async (ids: string[]) => {
    const startedAt = new Map(ids.map((id) => [id, generations.get(id) ?? 0]));
    const rows = await db.select().from(evaluations).where(inArray(evaluations.id, ids));
    const subjects = await loadEvaluationSubjects(db, rows);
    const at = performance.now();
    const answers = new Map(ids.map((id) => [id, subjects.get(id) ?? null]));
    for (const [id, subject] of answers) {
      if (ttlMs > 0 && (generations.get(id) ?? 0) === startedAt.get(id)) cache.set(id, { subject, at });
    }
    return answers;
  });
  const load = async (evaluationId: string): Promise<EvaluationSubject | null> => (await batched(evaluationId)) ?? null;
  return {
    load,
    loadForUpdate: (evaluationId) => {
      const cached = cache.get(evaluationId);
      const age = cached ? performance.now() - cached.at : Number.POSITIVE_INFINITY;
      if (!cached || age >= ttlMs) return load(evaluationId);
      if (age >= ttlMs / 2 && !refreshing.has(evaluationId)) {
        refreshing.add(evaluationId);
        // A failed refresh leaves the cached answer to expire; the next update then loads again.
        load(evaluationId)
          .catch(() => undefined)
          .finally(() => refreshing.delete(evaluationId));
      }
      return Promise.resolve(cached.subject);
    },
    invalidate: (evaluationId) => {
      cache.delete(evaluationId);
      generations.set(evaluationId, (generations.get(evaluationId) ?? 0) + 1);
    },
    forget: (evaluationId) => void cache.delete(evaluationId),
    generation: (evaluationId) => generations.get(evaluationId) ?? 0,
  };
}

/** Throws `not_found` or `forbidden` unless the actor may do `action` on the document now; returns the facts used. */
export async function authorizeDocument(
  loader: SubjectLoader,
  actor: Actor,
  ref: DocumentRef,
  action: 'worksheet.read' | 'worksheet.write',
): Promise<EvaluationSubject> {
  const subject = await (action === 'worksheet.write' ? loader.loadForUpdate : loader.load)(ref.evaluationId);
  if (!subject) throw errors.notFound('Worksheet');
  authorize(actor, action, subject);
  return subject;
}

/**
 * `worksheet.write` for one update: throws the refusal, and calls `evict` first when the actor lost
 * read access too (unseated, conflicted); undecided (the database did not answer), `unavailable`.
 */
export async function authorizeDocumentWrite(
  loader: SubjectLoader,
  actor: Actor,
  ref: DocumentRef,
  context: { logger: Pick<Logger, 'warn'>; documentId: string; evict: (refusal: unknown) => void },
): Promise<void> {
  try {
    await authorizeDocument(loader, actor, ref, 'worksheet.write');
  } catch (error) {
    if (!isAccessRefusal(error)) throw undecided(error, context.logger, context.documentId);
    // Lost more than write access? Out of the room at once. (Not known because the database did not
    // answer: the write is refused all the same, the room stays.)
    const subject = await loader.load(ref.evaluationId).catch(() => undefined);
    if (subject !== undefined && (!subject || !can(actor, 'worksheet.read', subject))) context.evict(error);
    throw error;
  }
}

/**
 * Call after a commit that may have ended someone's access to an evaluation's worksheet (seat
 * removed, conflict declared, phase changed): every socket of this process in the worksheet is
 * re-checked against fresh facts, and those that may no longer read are taken out of the room at
 * once (they get `doc.revoked`). Writes are re-checked per update regardless.
 */
export async function revokeDocumentAccess(
  app: { documents: { recheckAccessEverywhere: (evaluationId: string) => Promise<number> } | null },
  evaluationId: string,
): Promise<number> {
  return app.documents ? app.documents.recheckAccessEverywhere(evaluationId) : 0;
}

/** A decision that access is not there: only this takes a socket out of a document. */
export const isAccessRefusal = (error: unknown): boolean => error instanceof AppError && (error.code === 'forbidden' || error.code === 'not_found');

/** An error that is not a decision (the database did not answer) becomes `unavailable`: the client tries again. */
/**
 * The refusal of a join, or of an update's checks, that the database did not answer within
 * DOC_STORE_TIMEOUT_MS (a connection gone half-open): the client asks again, instead of waiting for
 * an answer that may take the kernel's minutes. Logged.
 */
export function tooSlow(logger: Pick<Logger, 'warn'>, documentId: string, what: 'join' | 'update'): AppError {
  logger.warn({ documentId }, `the ${what === 'join' ? 'join of a document' : 'checks of a document update'} did not answer in time (DOC_STORE_TIMEOUT_MS): refused`);
  return what === 'join'
    ? errors.unavailable('The worksheet could not be opened in time; it will be tried again.')
    : errors.unavailable('The update could not be checked in time; it will be sent again.');
}

export function undecided(error: unknown, logger: Pick<Logger, 'warn'>, documentId: string): AppError {
  if (error instanceof AppError) return error;
  logger.warn({ err: error, documentId }, 'document access or storage could not be read');
  return errors.unavailable('The worksheet could not be reached just now; it will be tried again.');
}
