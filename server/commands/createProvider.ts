import { providerBodySchema, type ProviderBody } from '../../shared/schemas/course.ts';
import { errors } from '../../shared/errors.ts';
import type { Actor } from '../../shared/roles.ts';
import { recordAudit } from '../audit/auditLog.ts';
import { authorize } from '../auth/authorize.ts';
import type { AppContext } from '../context.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { providers } from '../db/schema.ts';
import { inTransaction } from './unitOfWork.ts';

/** Adds a course provider (e.g. a MOOC platform), audited. */
export async function createProvider(app: AppContext, actor: Actor, input: ProviderBody) {
  authorize(actor, 'provider.create', null);
  const body = providerBodySchema.parse(input);
  try {
    return await inTransaction(app, async (tx) => {
      const [provider] = await tx.insert(providers).values(body).returning();
      if (!provider) throw errors.internal();
      await recordAudit(tx, { actorId: actor.id, action: 'provider.created', subjectType: 'provider', subjectId: provider.id, before: null, after: provider });
      return provider;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw errors.conflict(`A provider with code “${body.code}” already exists.`, { reason: 'duplicate_provider' });
    throw error;
  }
}
