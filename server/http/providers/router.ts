import { Router } from 'express';
import { can } from '../../../shared/policies/index.ts';
import { providerBodySchema } from '../../../shared/schemas/course.ts';
import { createProvider } from '../../commands/createProvider.ts';
import type { AppContext } from '../../context.ts';
import { listProviders } from '../../domain/courses.ts';
import { endpoint } from '../pipeline.ts';

/** Course providers (MOOC platforms and the like). */
export function providersRouter(app: AppContext): Router {
  const router = Router();

  router.get(
    '/',
    endpoint(app, { allow: 'course.list' }, async ({ actor }) => ({
      providers: await listProviders(app.db),
      abilities: { 'provider.create': can(actor, 'provider.create', null) },
    })),
  );

  router.post(
    '/',
    endpoint(app, { allow: 'provider.create', body: providerBodySchema }, async ({ actor, body, res }) => {
      const provider = await createProvider(app, actor, body);
      res.status(201);
      return { provider: { id: provider.id, code: provider.code, name: provider.name, kind: provider.kind, courseCount: 0 } };
    }),
  );

  return router;
}
