import { Router, type RequestHandler } from 'express';
import { eq } from 'drizzle-orm';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { errors } from '../../../shared/errors.ts';
import { todayIso } from '../../../shared/domain/recommendationDates.ts';
import { idParamsSchema } from '../../../shared/schemas/common.ts';
import { registryQuerySchema, type RegistryListResponse, type RegistryRecordResponse } from '../../../shared/schemas/recommendation.ts';
import type { AppContext } from '../../context.ts';
import { recommendations } from '../../db/schema.ts';
import { loadRecommendationViews, searchRegistry } from '../../domain/recommendations.ts';
import { publicEndpoint } from '../pipeline.ts';

/**
 * Requests per client address and window, counted in Redis so every server process shares the count.
 * Redis being down lets requests through: the registry is public, read-only data.
 */
function registryRateLimit(app: AppContext): RequestHandler {
  const limiter = new RateLimiterRedis({
    storeClient: app.redis,
    keyPrefix: 'quorum:registry',
    points: app.config.REGISTRY_MAX_REQUESTS,
    duration: app.config.REGISTRY_WINDOW_SECONDS,
  });
  return (req, _res, next) => {
    limiter.consume(req.ip ?? 'unknown').then(
      () => next(),
      (rejection: unknown) => {
        if (rejection instanceof RateLimiterRes) return next(errors.rateLimited(Math.ceil(rejection.msBeforeNext / 1000)));
        app.logger.warn({ err: rejection }, 'registry rate limit unavailable');
        next();
      },
    );
  };
}

/** The public registry of published recommendations: no session needed, rate-limited per address. */
export function registryRouter(app: AppContext): Router {
  const router = Router();
  router.use(registryRateLimit(app));

  router.get(
    '/recommendations',
    publicEndpoint(app, { query: registryQuerySchema }, async ({ query }): Promise<RegistryListResponse> => ({
      recommendations: await searchRegistry(app.db, query, todayIso()),
    })),
  );

  router.get(
    '/recommendations/:id',
    publicEndpoint(app, { params: idParamsSchema }, async ({ params }): Promise<RegistryRecordResponse> => {
      const today = todayIso();
      const [recommendation] = await loadRecommendationViews(app.db, eq(recommendations.id, params.id), today);
      if (!recommendation) throw errors.notFound('Recommendation');
      const versions = await loadRecommendationViews(app.db, eq(recommendations.courseId, recommendation.course.id), today);
      return { recommendation, versions };
    }),
  );

  return router;
}
