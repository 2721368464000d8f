import { request } from 'node:http';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPanel } from '../../test/support/documents.ts';
import { TEST_PASSWORD } from '../../test/support/factories.ts';
import { ApiClient } from '../../test/support/http.ts';
import { startTestStack, type TestStack } from '../../test/support/stack.ts';
import { conflictDeclarations } from '../db/schema.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ env: { TRUST_PROXY: 'true', REGISTRY_MAX_REQUESTS: '2', REGISTRY_WINDOW_SECONDS: '600', PUBLIC_URL: 'https://quorum.example.org' } });
});
afterAll(async () => {
  await stack?.close();
});

describe('behind a load balancer (TRUST_PROXY=true)', () => {
  it('counts the registry rate limit by the address the balancer saw, not one the client wrote', async () => {
    // The balancer appends the address it saw; whatever the client put before it is the client's word.
    const fromBalancer = (claimed: string, seen: string) =>
      fetch(`${stack.url}/api/registry/recommendations`, { headers: { 'x-forwarded-for': `${claimed}, ${seen}` } });
    const statuses = [];
    for (const claimed of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) statuses.push((await fromBalancer(claimed, '203.0.113.9')).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect((await fromBalancer('10.0.0.1', '198.51.100.7')).status).toBe(200);
  });
});

/** A login attempt (a wrong password) sent with exactly these headers, `Host` included, as a browser or a proxy would. */
function loginWith(headers: Record<string, string>): Promise<{ status: number; code: string }> {
  const url = new URL('/api/auth/login', stack.url);
  const body = JSON.stringify({ email: 'nobody@example.edu', password: 'not the password' });
  return new Promise((resolve, reject) => {
    const sent = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, code: (JSON.parse(text) as { error: { code: string } }).error.code }));
    });
    sent.on('error', reject);
    sent.end(body);
  });
}

describe('requests from pages (the Origin check, PUBLIC_URL https://quorum.example.org)', () => {
  it('takes the public origin even when a proxy rewrote Host, and a loopback origin sent to itself', async () => {
    expect(await loginWith({ origin: 'https://quorum.example.org', host: 'upstream.internal:3000' })).toEqual({ status: 401, code: 'invalid_credentials' });
    const local = `localhost:${new URL(stack.url).port}`;
    expect(await loginWith({ origin: `http://${local}`, host: local })).toEqual({ status: 401, code: 'invalid_credentials' });
    expect(await loginWith({})).toEqual({ status: 401, code: 'invalid_credentials' });
  });

  it('refuses a page whose name was rebound to this server (Origin and Host agree on a foreign name), and an opaque origin', async () => {
    const rebound = `rebound.example:${new URL(stack.url).port}`;
    expect(await loginWith({ origin: `http://${rebound}`, host: rebound })).toEqual({ status: 403, code: 'csrf_invalid' });
    expect(await loginWith({ origin: 'null' })).toEqual({ status: 403, code: 'csrf_invalid' });
    expect(await loginWith({ origin: 'https://evil.example' })).toEqual({ status: 403, code: 'csrf_invalid' });
  });
});

describe('the session cookie over https (PUBLIC_URL https://quorum.example.org)', () => {
  it('is a __Host- cookie (this host only, Secure, every path) and one of the plain name, as a sibling subdomain could plant, signs nobody in', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const client = new ApiClient(stack.url);
    const login = await client.post('/api/auth/login', { email: panel.reviewers[0]!.user.email, password: TEST_PASSWORD }, { origin: 'https://quorum.example.org' });
    expect(login.status).toBe(200);
    // The session cookie and the device cookie (see accountThrottle.ts) alike.
    const cookies = login.headers.getSetCookie();
    expect(cookies.map((cookie) => cookie.slice(0, cookie.indexOf('=')))).toEqual(['__Host-quorum_session', '__Host-quorum_device']);
    for (const cookie of cookies) {
      expect(cookie).toMatch(/; Path=\/(;|$)/);
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).not.toMatch(/Domain=/i);
    }
    // Over https the browser is told to stay on https, for this host only.
    expect(login.headers.get('strict-transport-security')).toBe('max-age=15552000');
    expect((await client.get('/api/auth/session')).status).toBe(200);
    const planted = new ApiClient(stack.url);
    planted.cookie = `quorum_session=${client.cookie.split('=').slice(1).join('=')}`;
    expect((await planted.get('/api/auth/session')).status).toBe(401);
  });
});

describe('malformed paths', () => {
  it('answers 400 bad_request for a path parameter that is not valid percent-encoding, not a 500', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const reviewer = new ApiClient(stack.url);
    reviewer.cookie = panel.reviewers[0]!.cookie;
    for (const path of ['/api/evaluations/%E0', '/api/registry/recommendations/%E0%A4%A']) {
      const response = await reviewer.get<{ error: { code: string } }>(path);
      expect(response.status, path).toBe(400);
      expect(response.body.error.code).toBe('bad_request');
    }
  });
});

describe('input the database cannot store', () => {
  it('answers 400 validation_failed for a NUL character in text, and writes nothing', async () => {
    const panel = await buildPanel(stack.database.db, stack.url, { reviewers: 1 });
    const reviewer = new ApiClient(stack.url);
    reviewer.cookie = panel.reviewers[0]!.cookie;
    reviewer.csrfToken = (await reviewer.get<{ csrfToken: string }>('/api/auth/session')).body.csrfToken;
    const response = await reviewer.post<{ error: { code: string } }>(`/api/evaluations/${panel.evaluation.id}/conflicts`, { reason: 'I advised the course\u0000 team.' });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('validation_failed');
    const [declared] = await stack.database.db.select({ n: count() }).from(conflictDeclarations).where(eq(conflictDeclarations.evaluationId, panel.evaluation.id));
    expect(declared?.n).toBe(0);
  });
});
