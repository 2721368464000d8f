import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPanel } from '../../test/support/documents.ts';
import { ApiClient } from '../../test/support/http.ts';
import { startTestStack, type TestStack } from '../../test/support/stack.ts';
import { conflictDeclarations } from '../db/schema.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ env: { TRUST_PROXY: 'true', REGISTRY_MAX_REQUESTS: '2', REGISTRY_WINDOW_SECONDS: '600' } });
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
