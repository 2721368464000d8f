import type { AppContext } from '../context.ts';
import { revokeDocumentAccess } from './documents/access.ts';

/**
 * After a commit that took a reviewer's access to an evaluation away (a declared conflict, a removed
 * seat): their sockets leave the evaluation's room, their open pages are told, and this process's
 * worksheet sockets are re-checked. Every later read or update is refused by the shared policy anyway.
 */
export async function revokeEvaluationAccess(
  app: AppContext,
  evaluationId: string,
  reviewerId: string,
  reason: 'conflict_declared' | 'seat_removed',
): Promise<void> {
  app.notify.accessRevoked(evaluationId, reviewerId, reason);
  await revokeDocumentAccess(app, evaluationId);
}
