import { timingSafeEqual } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { parse as parseCookies } from 'cookie';
import { AppError, errors } from '../../shared/errors.ts';
import { findSession } from '../auth/sessions.ts';
import type { AppContext } from '../context.ts';
import { sessionOf } from './pipeline.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Loads the session named by the cookie, if any, into `res.locals.session`. */
export function authenticate(app: AppContext): RequestHandler {
  return async (req, res, next) => {
    try {
      const token = parseCookies(req.headers.cookie ?? '')[app.config.sessionCookie];
      res.locals.session = await findSession(app.db, token);
      next();
    } catch (error) {
      next(error);
    }
  };
}

function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Host names that always mean this machine (a page there is this server's own). */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Whether a request comes from our own origin, when the browser says (`Origin`): the origin users
 * reach the console at (`PUBLIC_URL`), or the host the request was sent to when that is a loopback
 * address or `PUBLIC_URL`'s host (a reverse proxy may rewrite `Host`; a local `npm start` is reached
 * as localhost or 127.0.0.1 alike). Any other host is refused even when `Origin` and `Host` agree:
 * that is a page whose name was rebound to this server's address (DNS rebinding), which would
 * otherwise sign in to a local console with the published demo password. An opaque origin
 * (`null`: a sandboxed frame, say) is refused. No `Origin` (not a browser, or a same-origin GET)
 * passes. HTTP's state-changing requests and Socket.IO handshakes use the same rule.
 */
export function ownOriginGuard(publicUrl: string): (headers: { origin?: string; host?: string }) => boolean {
  const publicOrigin = new URL(publicUrl);
  return ({ origin, host }) => {
    if (origin === undefined) return true;
    let from: URL;
    try {
      from = new URL(origin);
    } catch {
      return false;
    }
    if (from.origin === publicOrigin.origin) return true;
    return from.host === host && (LOOPBACK_HOSTS.has(from.hostname) || from.hostname === publicOrigin.hostname);
  };
}

/**
 * CSRF: a state-changing request must come from our own origin (when the browser says) and, once
 * signed in, carry the session's token in `X-CSRF-Token`. Unsafe requests must be JSON, which a
 * cross-site form cannot send.
 */
export function csrfProtection(publicUrl: string): RequestHandler {
  const fromOwnOrigin = ownOriginGuard(publicUrl);
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    if (!fromOwnOrigin(req.headers)) return next(errors.csrf('This request comes from a page of another origin. If you reach the console at another address, set PUBLIC_URL to it.'));
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && !req.is('application/json')) {
      return next(errors.badRequest('Send JSON (Content-Type: application/json).'));
    }
    const session = sessionOf(res);
    if (!session) return next();
    const header = req.headers['x-csrf-token'];
    if (typeof header !== 'string' || !sameToken(header, session.csrfToken)) return next(errors.csrf());
    next();
  };
}

/** Turns anything thrown into the error body; unknown errors become a 500 that leaks nothing. */
export function errorHandler(app: AppContext): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    let appError: AppError;
    if (error instanceof AppError) {
      appError = error;
    } else if (databaseRefusedInput(error)) {
      // Input zod let through and PostgreSQL cannot store (a NUL character in text, a date out of its
      // range): the statement failed, its transaction rolled back, nothing changed.
      appError = errors.validation([{ in: 'body', path: '', message: 'The request contains text or a date that cannot be stored (a NUL character, or a year out of range).' }]);
    } else if (isBodyParserError(error)) {
      appError =
        error.type === 'entity.too.large'
          ? errors.tooLarge()
          : errors.validation([{ in: 'body', path: '', message: 'Malformed JSON.' }], 'The request body is not valid JSON.');
    } else if (isHttpClientError(error)) {
      // Express's own refusals: a path parameter that is not valid percent-encoding (`/api/evaluations/%E0`).
      appError = errors.badRequest('The request path is malformed.');
    } else {
      appError = errors.internal();
      app.logger.error({ err: error, method: req.method, url: req.originalUrl }, 'unhandled error');
    }
    if (appError.report && appError.code !== 'internal') app.logger.warn({ code: appError.code }, appError.message);
    const retryAfter = (appError.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
    if (appError.code === 'rate_limited' || typeof retryAfter === 'number') {
      res.setHeader('Retry-After', String(typeof retryAfter === 'number' ? retryAfter : 60));
    }
    res.status(appError.status).json({ error: appError.toBody() });
  };
}

/** PostgreSQL's codes for input it cannot take: NUL in text (22021) or jsonb (22P05), dates out of range (22008, 22007). */
const refusedInputCodes = new Set(['22021', '22P05', '22008', '22007']);

/** Whether the database refused the request's input itself (the error, or what it wraps, carries such a code). */
function databaseRefusedInput(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && refusedInputCodes.has(code)) return true;
  }
  return false;
}

/** An error Express or its parts raised for the client's request itself (an http-errors 4xx). */
function isHttpClientError(error: unknown): boolean {
  const status = typeof error === 'object' && error !== null ? (error as { status?: unknown }).status : undefined;
  return typeof status === 'number' && status >= 400 && status < 500;
}

function isBodyParserError(error: unknown): error is { type: string; status: number } {
  return typeof error === 'object' && error !== null && typeof (error as { type?: unknown }).type === 'string' && 'status' in error;
}

/** JSON 404 for unknown API paths (pages fall through to SvelteKit). */
export function apiNotFound(): RequestHandler {
  return (req, _res, next) => next(errors.notFound(`${req.method} ${req.path}`));
}
