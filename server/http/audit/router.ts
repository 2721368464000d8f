import { Router } from 'express';
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import { auditQuerySchema, type AuditEventView } from '../../../shared/schemas/audit.ts';
import { verifyAuditChain } from '../../audit/auditLog.ts';
import type { AppContext } from '../../context.ts';
import { auditEvents, users } from '../../db/schema.ts';
import { endpoint } from '../pipeline.ts';

/** The append-only audit log: list with filters, and verify the hash chain. */
export function auditRouter(app: AppContext): Router {
  const router = Router();

  router.get(
    '/',
    endpoint(app, { allow: 'audit.read', query: auditQuerySchema }, async ({ query }) => {
      const filters: SQL[] = [];
      if (query.action) filters.push(eq(auditEvents.action, query.action));
      if (query.subjectType) filters.push(eq(auditEvents.subjectType, query.subjectType));
      if (query.subjectId) filters.push(eq(auditEvents.subjectId, query.subjectId));
      if (query.actorId) filters.push(eq(auditEvents.actorId, query.actorId));
      if (query.before) filters.push(lt(auditEvents.seq, query.before));
      const rows = await app.db
        .select({ event: auditEvents, actorName: users.name })
        .from(auditEvents)
        .leftJoin(users, eq(users.id, auditEvents.actorId))
        .where(and(...filters))
        .orderBy(desc(auditEvents.seq))
        .limit(query.limit);
      const events: AuditEventView[] = rows.map(({ event, actorName }) => ({
        ...event,
        at: new Date(event.at).toISOString(),
        actorName,
      }));
      return { events, nextBefore: events.length === query.limit ? events.at(-1)?.seq : null };
    }),
  );

  router.get(
    '/verify',
    endpoint(app, { allow: 'audit.verify' }, async () => {
      return verifyAuditChain(app.db);
    }),
  );

  return router;
}
