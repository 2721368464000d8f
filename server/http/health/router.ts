import { Router } from 'express';
import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';

/** Liveness (`/healthz`: the process answers) and readiness (`/readyz`: database and Redis answer). */
export function healthRouter(app: AppContext, isShuttingDown: () => boolean): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const withTimeout = <T>(work: Promise<T>) =>
      Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 2_000))]);
    const [database, redis] = await Promise.allSettled([
      withTimeout(app.db.execute(sql`select 1`)),
      withTimeout(app.redis.ping()),
    ]);
    const checks = {
      database: database.status === 'fulfilled' ? 'ok' : 'down',
      redis: redis.status === 'fulfilled' ? 'ok' : 'down',
      shuttingDown: isShuttingDown(),
    };
    const ready = checks.database === 'ok' && checks.redis === 'ok' && !checks.shuttingDown;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });
  return router;
}
