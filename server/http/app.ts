import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
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
  if (!app.config.TRUST_PROXY) http.use(warnOnceAboutProxy(app));
  // Security headers on everything (nosniff, no framing, same-origin referrers and isolation; HSTS
  // once the console is served over https). Pages get their Content-Security-Policy from SvelteKit
  // (svelte.config.js: it puts nonces on its own inline scripts); API answers get a deny-all one.
  http.use(
    helmet({
      contentSecurityPolicy: false,
      // This host only: the console's domain may have sibling hosts still served over plain http.
      strictTransportSecurity: app.config.publicUrl.startsWith('https://') ? { maxAge: 180 * 24 * 3600, includeSubDomains: false } : false,
      xFrameOptions: { action: 'deny' },
      referrerPolicy: { policy: 'same-origin' },
    }),
  );
  http.use(healthRouter(app, options.isShuttingDown));

  const api = express.Router();
  // JSON for this session only (a session answer carries the CSRF token): never stored by a cache.
  api.use(helmet.contentSecurityPolicy({ useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } }));
  api.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  api.use(express.json({ limit: '1mb' }));
  api.use(authenticate(app));
  api.use(csrfProtection(app.config.publicUrl));
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

/**
 * Behind a load balancer without TRUST_PROXY every client has the balancer's address: the login and
 * registry limits then count everyone together, and anybody can lock any account out for everyone.
 * Says so once, at the first request that came through a proxy.
 */
function warnOnceAboutProxy(app: AppContext): RequestHandler {
  let warned = false;
  return (req, _res, next) => {
    if (!warned && req.headers['x-forwarded-for'] !== undefined) {
      warned = true;
      app.logger.warn(
        'a request came through a proxy (X-Forwarded-For) but TRUST_PROXY is off: every client counts as the proxy\'s address for the login and registry limits; set TRUST_PROXY=true behind a load balancer',
      );
    }
    next();
  };
}
