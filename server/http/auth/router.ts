import { Router } from 'express';
import { parse as parseCookies, serialize } from 'cookie';
import { sql } from 'drizzle-orm';
import { errors } from '../../../shared/errors.ts';
import { globalAbilities } from '../../../shared/policies/index.ts';
import { loginBodySchema, type SessionResponse } from '../../../shared/schemas/auth.ts';
import { deviceCookieName } from '../../auth/cookie.ts';
import { createPasswordChecks } from '../../auth/passwordChecks.ts';
import { verifyPassword } from '../../auth/passwords.ts';
import { createSession, deleteSession, findSession, type ActiveSession } from '../../auth/sessions.ts';
import type { AppContext } from '../../context.ts';
import { users } from '../../db/schema.ts';
import { endpoint, publicEndpoint } from '../pipeline.ts';

function sessionResponse(session: Pick<ActiveSession, 'user' | 'csrfToken'>): SessionResponse {
  const { user } = session;
  return {
    user: { id: user.id, email: user.email, name: user.name, role: user.role, institution: user.institution, expertise: user.expertise },
    csrfToken: session.csrfToken,
    abilities: globalAbilities(user),
  };
}

/** Login, logout and "who am I". */
export function authRouter(app: AppContext): Router {
  const router = Router();
  const cookieBase = { httpOnly: true, sameSite: 'lax', path: '/', secure: app.config.cookieSecure } as const;
  const deviceCookie = deviceCookieName(app.config.cookieSecure);
  let lastSaturationWarning = Number.NEGATIVE_INFINITY;
  const passwordChecks = createPasswordChecks({
    concurrency: app.config.LOGIN_CONCURRENT_CHECKS,
    maxWaiting: app.config.LOGIN_WAITING_CHECKS,
    onSaturated: () => {
      // Once a minute at most: a flood would otherwise write a line per refused sign-in.
      if (performance.now() - lastSaturationWarning < 60_000) return;
      lastSaturationWarning = performance.now();
      app.logger.warn({ ...passwordChecks.load }, 'sign-ins refused: too many password checks running and waiting (LOGIN_CONCURRENT_CHECKS, LOGIN_WAITING_CHECKS)');
    },
  });

  router.post(
    '/login',
    publicEndpoint(app, { body: loginBodySchema }, async ({ body, req, res }) => {
      const address = req.ip ?? 'unknown';
      const cookies = parseCookies(req.headers.cookie ?? '');
      // A browser that signed in to this account before is not held up by others guessing at it.
      const deviceToken = cookies[deviceCookie];
      const knownDevice = deviceToken !== undefined && (await app.loginLimiter.knowsDevice(body.email, deviceToken)) ? deviceToken : null;
      // A locked-out address does not wait for a password check; a sign-in refused as busy is not
      // counted as an attempt: it never got to its password.
      await app.loginLimiter.assertNotLockedOut(address, body.email, knownDevice !== null);
      const { user, countedOnAccount } = await passwordChecks.run(async () => {
        const counted = await app.loginLimiter.attempt(address, body.email, knownDevice);
        const [found] = await app.db.select().from(users).where(sql`lower(${users.email}) = ${body.email}`);
        const valid = await verifyPassword(found && !found.disabledAt ? found.passwordHash : null, body.password);
        return { user: found && valid ? found : null, countedOnAccount: counted };
      });
      if (!user) throw errors.invalidCredentials();
      await app.loginLimiter.succeeded(address, body.email, countedOnAccount);
      const freshDeviceToken = await app.loginLimiter.rememberDevice(body.email, deviceToken);
      // Someone else was signed in on this browser (a shared machine): their session ends here, not
      // at its expiry, and their other tabs' sockets with it. (The same user signing in again keeps
      // the older session: their other tabs go on.)
      const previous = await findSession(app.db, cookies[app.config.sessionCookie]);
      if (previous && previous.user.id !== user.id) {
        await deleteSession(app.db, previous.tokenHash);
        app.notify.sessionEnded(previous.tokenHash, 'signed_in_as_another');
      }
      const created = await createSession(app.db, user.id, app.config.SESSION_TTL_HOURS);
      const sessionCookie = serialize(app.config.sessionCookie, created.token, { ...cookieBase, expires: created.expiresAt });
      // A fresh token at every sign-in, kept past sign-out (it names no one: it only lets this browser
      // past the account's waits).
      const device = freshDeviceToken ? [serialize(deviceCookie, freshDeviceToken, { ...cookieBase, maxAge: app.config.LOGIN_DEVICE_DAYS * 86_400 })] : [];
      res.setHeader('Set-Cookie', [sessionCookie, ...device]);
      const session = await findSession(app.db, created.token);
      if (!session) throw errors.internal();
      app.logger.info({ userId: user.id }, 'login');
      return sessionResponse(session);
    }),
  );

  router.post(
    '/logout',
    endpoint(app, {}, async ({ session, res }) => {
      await deleteSession(app.db, session.tokenHash);
      app.notify.sessionEnded(session.tokenHash, 'logged_out');
      res.setHeader('Set-Cookie', serialize(app.config.sessionCookie, '', { ...cookieBase, maxAge: 0 }));
      return { ok: true };
    }),
  );

  router.get(
    '/session',
    endpoint(app, {}, async ({ session }) => sessionResponse(session)),
  );

  return router;
}
