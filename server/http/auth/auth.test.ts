import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { io as connect } from 'socket.io-client';
import { eq } from 'drizzle-orm';
import { sessions, users } from '../../db/schema.ts';
import { buildCourse, buildEvaluation, buildUser, seatReviewer, TEST_PASSWORD } from '../../../test/support/factories.ts';
import { ApiClient, signedIn } from '../../../test/support/http.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';

let stack: TestStack;
let coordinator: Awaited<ReturnType<typeof buildUser>>;
/** What the server logged at warn level and above. */
const warnings: string[] = [];

beforeAll(async () => {
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
  stack = await startTestStack({ env: { LOGIN_MAX_ATTEMPTS: '3', LOGIN_WINDOW_SECONDS: '60' }, logger });
  coordinator = await buildUser(stack.database.db, { role: 'coordinator' });
});
afterAll(() => stack.close());

describe('login and sessions', () => {
  it('signs in with the right password and sets an HTTP-only, SameSite session cookie', async () => {
    const client = new ApiClient(stack.url);
    const response = await client.login(coordinator.email);
    expect(response.status).toBe(200);
    expect(response.body.user).toMatchObject({ id: coordinator.id, role: 'coordinator' });
    expect(response.body.abilities['evaluation.create']).toBe(true);
    const [cookie, device] = response.headers.getSetCookie();
    expect(cookie).toMatch(/^quorum_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    // And one that lets this browser past the account's delays when others guess at it (accountGuessing.test.ts).
    expect(device).toMatch(/^quorum_device=[A-Za-z0-9_-]{43}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/);
    const me = await client.get('/api/auth/session');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: { email: coordinator.email } });
  });

  it('accepts the email in any case', async () => {
    const client = new ApiClient(stack.url);
    expect((await client.login(coordinator.email.toUpperCase())).status).toBe(200);
  });

  it('refuses a wrong password with a clear code and no cookie', async () => {
    const client = new ApiClient(stack.url);
    const response = await client.login(coordinator.email, 'wrong password');
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: { code: 'invalid_credentials', message: 'Email or password is wrong.' } });
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  it('answers an unknown email exactly like a wrong password', async () => {
    const response = await new ApiClient(stack.url).login('nobody@example.edu', 'whatever');
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: { code: 'invalid_credentials', message: 'Email or password is wrong.' } });
  });

  it('validates the login body (400 with details)', async () => {
    const client = new ApiClient(stack.url);
    const response = await client.post('/api/auth/login', { email: 'not-an-email', password: '' });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'validation_failed' } });
    const paths = (response.body as { error: { details: { path: string }[] } }).error.details.map((detail) => detail.path);
    expect(paths).toEqual(expect.arrayContaining(['email', 'password']));
    const malformed = await client.post('/api/auth/login', '{"email":', {});
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ error: { code: 'validation_failed', message: 'The request body is not valid JSON.' } });
  });

  it('rate-limits repeated failures for one email, even with the right password afterwards', async () => {
    const victim = await buildUser(stack.database.db, { role: 'reviewer' });
    const client = new ApiClient(stack.url);
    for (let attempt = 0; attempt < 3; attempt++) expect((await client.login(victim.email, 'guess')).status).toBe(401);
    const limited = await client.login(victim.email, TEST_PASSWORD);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ error: { code: 'rate_limited' } });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another account from the same address is not locked out.
    expect((await new ApiClient(stack.url).login(coordinator.email)).status).toBe(200);
  });

  it('counts every attempt of a burst sent all at once: no more guesses get checked than the limit allows', async () => {
    const victim = await buildUser(stack.database.db, { role: 'reviewer' });
    const guesses = await Promise.all(Array.from({ length: 12 }, (_, index) => new ApiClient(stack.url).login(victim.email, `guess ${index}`)));
    const statuses = guesses.map((response) => response.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(3);
    expect(statuses.filter((status) => status === 429)).toHaveLength(9);
    expect((await new ApiClient(stack.url).login(victim.email, TEST_PASSWORD)).status).toBe(429);
  });

  it('ends the session of someone else signed in on the same browser when another user signs in, not the same user\'s', async () => {
    const [first, second] = [await buildUser(stack.database.db, { role: 'reviewer' }), await buildUser(stack.database.db, { role: 'reviewer' })];
    const browser = await signedIn(stack.url, first.email);
    const firstCookie = browser.cookie;
    // The same user again: both sessions stay.
    expect((await browser.login(first.email)).status).toBe(200);
    const sameUserCookie = browser.cookie;
    expect(sameUserCookie).not.toBe(firstCookie);
    const stillThere = new ApiClient(stack.url);
    stillThere.cookie = firstCookie;
    expect((await stillThere.get('/api/auth/session')).status).toBe(200);
    // Another user on this browser: the session the browser held is gone.
    expect((await browser.login(second.email)).status).toBe(200);
    const replaced = new ApiClient(stack.url);
    replaced.cookie = sameUserCookie;
    expect((await replaced.get('/api/auth/session')).status).toBe(401);
    expect((await browser.get<{ user: { id: string } }>('/api/auth/session')).body.user.id).toBe(second.id);
  });

  it('logs out: the session is gone server-side and the cookie cleared', async () => {
    const client = await signedIn(stack.url, coordinator.email);
    const before = await stack.database.db.select().from(sessions).where(eq(sessions.userId, coordinator.id));
    const response = await client.post('/api/auth/logout');
    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    const after = await stack.database.db.select().from(sessions).where(eq(sessions.userId, coordinator.id));
    expect(after.length).toBe(before.length - 1);
    const stale = new ApiClient(stack.url);
    stale.cookie = client.cookie;
    const me = await stale.get('/api/auth/session');
    expect(me.status).toBe(401);
  });

  it('answers 401 with the error shape when not signed in', async () => {
    const response = await new ApiClient(stack.url).get('/api/evaluations');
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: { code: 'unauthenticated', message: 'Please sign in.' } });
  });

  it('warns once when requests come through a proxy while TRUST_PROXY is off (every client would count as the proxy)', async () => {
    const proxied = () => fetch(`${stack.url}/api/registry/recommendations`, { headers: { 'x-forwarded-for': '203.0.113.5' } });
    await proxied();
    await proxied();
    expect(warnings.filter((line) => line.includes('TRUST_PROXY is off'))).toHaveLength(1);
  });

  it('answers unknown API paths with a JSON 404', async () => {
    const client = await signedIn(stack.url, coordinator.email);
    const response = await client.get('/api/nothing-here');
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ error: { code: 'not_found' } });
  });
});

describe('CSRF protection', () => {
  it('refuses a state-changing request without the session CSRF token', async () => {
    const client = await signedIn(stack.url, coordinator.email);
    const token = client.csrfToken;
    client.csrfToken = '';
    const missing = await client.post('/api/auth/logout');
    expect(missing.status).toBe(403);
    expect(missing.body).toMatchObject({ error: { code: 'csrf_invalid' } });
    const wrong = await client.post('/api/auth/logout', {}, { 'x-csrf-token': 'x'.repeat(token.length) });
    expect(wrong.status).toBe(403);
    client.csrfToken = token;
    expect((await client.get('/api/auth/session')).status).toBe(200);
  });

  it('refuses a request from another origin, even with the token', async () => {
    const client = await signedIn(stack.url, coordinator.email);
    const response = await client.post('/api/auth/logout', {}, { origin: 'https://evil.example' });
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ error: { code: 'csrf_invalid' } });
  });

  it('refuses a form-encoded body (a cross-site form cannot send JSON)', async () => {
    const response = await fetch(`${stack.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `email=${encodeURIComponent(coordinator.email)}&password=${encodeURIComponent(TEST_PASSWORD)}`,
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('set-cookie')).toBeNull();
  });
});

describe('Socket.IO authentication', () => {
  it('refuses a socket without a session', async () => {
    const socket = connect(stack.url, { transports: ['websocket'], reconnection: false });
    const error = await new Promise<Error & { data?: unknown }>((resolve) => socket.on('connect_error', resolve));
    expect(error.message).toBe('unauthenticated');
    expect(error.data).toMatchObject({ code: 'unauthenticated' });
    socket.close();
  });

  it('authenticates a burst of connections each as its own session, refusing expired, disabled and unknown ones', async () => {
    const reviewers = await Promise.all(Array.from({ length: 4 }, () => buildUser(stack.database.db, { role: 'reviewer' })));
    const clients = await Promise.all(reviewers.map((reviewer) => signedIn(stack.url, reviewer.email)));
    // Only the first reviewer sits on this panel: watching its evaluation tells the sockets apart.
    const course = await buildCourse(stack.database.db);
    const evaluation = await buildEvaluation(stack.database.db, { courseId: course.id, createdBy: coordinator.id, status: 'deliberation' });
    await seatReviewer(stack.database.db, { evaluationId: evaluation.id, reviewerId: reviewers[0]!.id, seatedBy: coordinator.id });
    await stack.database.db.update(sessions).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(sessions.userId, reviewers[2]!.id));
    await stack.database.db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, reviewers[3]!.id));
    const cookies = [clients[0]!.cookie, clients[1]!.cookie, clients[0]!.cookie, clients[2]!.cookie, clients[3]!.cookie, 'quorum_session=not-a-session'];
    // All at once: the lookups of one event-loop turn share a query, and each socket still gets its own answer.
    const outcomes = await Promise.all(
      cookies.map(
        (cookie) =>
          new Promise<string>((resolve) => {
            const socket = connect(stack.url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie } });
            socket.on('connect', () =>
              socket.emit('evaluation.watch', { evaluationId: evaluation.id }, (ack: { ok: boolean; error?: { code: string } }) => {
                socket.close();
                resolve(ack.ok ? 'watching' : ack.error!.code);
              }),
            );
            socket.on('connect_error', (error) => (socket.close(), resolve(error.message)));
          }),
      ),
    );
    expect(outcomes).toEqual(['watching', 'forbidden', 'watching', 'unauthenticated', 'unauthenticated', 'unauthenticated']);
  });

  it('accepts the HTTP session cookie and disconnects the socket on logout', async () => {
    const client = await signedIn(stack.url, coordinator.email);
    const socket = connect(stack.url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: client.cookie } });
    await new Promise<void>((resolve, reject) => {
      socket.on('connect', resolve);
      socket.on('connect_error', reject);
    });
    const ended = new Promise((resolve) => socket.on('session.ended', resolve));
    const disconnected = new Promise((resolve) => socket.on('disconnect', resolve));
    await client.post('/api/auth/logout');
    expect(await ended).toEqual({ reason: 'logged_out' });
    expect(await disconnected).toBe('io server disconnect');
  });
});
