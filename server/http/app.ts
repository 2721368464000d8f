import express, { type Express, type RequestHandler } from 'express';
import type { AppContext } from '../context.ts';
import { auditRouter } from './audit/router.ts';
import { authRouter } from './auth/router.ts';
import { coursesRouter } from './courses/router.ts';
import { decisionsRouter } from './decisions/router.ts';
import { evaluationCourseRouter } from './evaluations/course.ts';
import { evaluationsRouter } from './evaluations/router.ts';
import { healthRouter } from './health/router.ts';
import { panelRouter } from './panel/router.ts';
import { providersRouter } from './providers/router.ts';
import { reviewsRouter } from './reviews/router.ts';
import { recommendationsRouter } from './recommendations/router.ts';
import { registryRouter } from './registry/router.ts';
import { apiNotFound, authenticate, csrfProtection, errorHandler } from './middleware.ts';
import { worksheetsRouter } from './worksheets/router.ts';

/** The Express app: REST API under /api, health checks, then the SvelteKit pages. */
export function createHttpApp(app: AppContext, options: { pages?: RequestHandler; isShuttingDown: () => boolean }): Express {
  const http = express();
  http.disable('x-powered-by');
  // One hop (the load balancer in front): the client address is the one it appended to
  // X-Forwarded-For, not whatever the client wrote there itself (which would reset rate limits).
  http.set('trust proxy', app.config.TRUST_PROXY ? 1 : false);
  http.use(healthRouter(app, options.isShuttingDown));

  const api = express.Router();
  api.use(express.json({ limit: '1mb' }));
  api.use(authenticate(app));
  api.use(csrfProtection());
  api.use('/auth', authRouter(app));
  api.use('/courses', coursesRouter(app));
  api.use('/evaluations', evaluationsRouter(app));
  api.use('/evaluations', evaluationCourseRouter(app));
  api.use('/evaluations', decisionsRouter(app));
  api.use('/recommendations', recommendationsRouter(app));
  api.use('/registry', registryRouter(app));
  api.use('/evaluations', panelRouter(app));
  api.use('/evaluations/:id/reviews', reviewsRouter(app));
  api.use('/providers', providersRouter(app));
  api.use('/worksheets', worksheetsRouter(app));
  api.use('/audit', auditRouter(app));
  api.use(apiNotFound());
  api.use(errorHandler(app));
  http.use('/api', api);

  if (options.pages) http.use(options.pages);
  http.use(errorHandler(app));
  return http;
}
