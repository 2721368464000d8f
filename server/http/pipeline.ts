import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { errors } from '../../shared/errors.ts';
import type { Action, ActionSubjects } from '../../shared/policies/index.ts';
import { authorize } from '../auth/authorize.ts';
import type { ActiveSession, SessionUser } from '../auth/sessions.ts';
import type { AppContext } from '../context.ts';

export interface RequestContext<Body, Query, Params> {
  app: AppContext;
  actor: SessionUser;
  session: ActiveSession;
  body: Body;
  query: Query;
  params: Params;
  req: Request;
  res: Response;
}

type SubjectlessAction = { [A in Action]: ActionSubjects[A] extends null ? A : never }[Action];

interface EndpointSpec<Body, Query, Params> {
  /** A policy action without a subject, checked before validation so refusals leak nothing. */
  allow?: SubjectlessAction;
  body?: z.ZodType<Body>;
  query?: z.ZodType<Query>;
  params?: z.ZodType<Params>;
}

/** The session the authenticate middleware found, if any. */
export function sessionOf(res: Response): ActiveSession | null {
  return (res.locals.session as ActiveSession | undefined) ?? null;
}

function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return undefined as T;
  const result = schema.safeParse(value);
  if (!result.success) {
    throw errors.validation(
      result.error.issues.map((issue) => ({ in: where, path: issue.path.join('.'), message: issue.message })),
    );
  }
  return result.data;
}

/**
 * A route as a pipeline: authenticate → validate(schemas) → handler. The handler authorizes through
 * a shared policy and runs its command; what it returns is sent as JSON.
 */
export function endpoint<Body = undefined, Query = undefined, Params = undefined>(
  app: AppContext,
  spec: EndpointSpec<Body, Query, Params>,
  handler: (context: RequestContext<Body, Query, Params>) => Promise<unknown>,
): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const session = sessionOf(res);
      if (!session) throw errors.unauthenticated();
      if (spec.allow) authorize(session.user, spec.allow, null);
      const params = parse(spec.params, req.params, 'params');
      const query = parse(spec.query, req.query, 'query');
      const body = parse(spec.body, req.body ?? {}, 'body');
      const result = await handler({ app, actor: session.user, session, body, query, params, req, res });
      if (!res.headersSent) res.json(result ?? { ok: true });
    } catch (error) {
      next(error);
    }
  };
}

/** Validates without requiring a session, for public routes such as login and the public registry. */
export function publicEndpoint<Body = undefined, Query = undefined, Params = undefined>(
  app: AppContext,
  spec: { body?: z.ZodType<Body>; query?: z.ZodType<Query>; params?: z.ZodType<Params> },
  handler: (context: { app: AppContext; body: Body; query: Query; params: Params; req: Request; res: Response }) => Promise<unknown>,
): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const params = parse(spec.params, req.params, 'params');
      const query = parse(spec.query, req.query, 'query');
      const body = parse(spec.body, req.body ?? {}, 'body');
      const result = await handler({ app, body, query, params, req, res });
      if (!res.headersSent) res.json(result ?? { ok: true });
    } catch (error) {
      next(error);
    }
  };
}
