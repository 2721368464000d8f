import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildUser, TEST_PASSWORD } from '../../../test/support/factories.ts';
import { ApiClient } from '../../../test/support/http.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';

let stack: TestStack;

beforeAll(async () => {
  // Behind a proxy, so each request can come from its own address (X-Forwarded-For). The first wait
  // is long, so the test does not race it (loginLimiter.test.ts shows the waits growing).
  stack = await startTestStack({
    env: {
      TRUST_PROXY: 'true',
      LOGIN_MAX_ATTEMPTS: '3',
      LOGIN_ACCOUNT_FREE_FAILURES: '3',
      LOGIN_ACCOUNT_FIRST_DELAY_SECONDS: '60',
      LOGIN_ACCOUNT_MAX_DELAY_SECONDS: '600',
      LOGIN_WINDOW_SECONDS: '600',
    },
  });
});
afterAll(() => stack.close());

const from = (address: string) => ({ 'x-forwarded-for': address });
const login = (client: ApiClient, email: string, password: string, address: string) => client.post('/api/auth/login', { email, password }, from(address));

const deviceOf = (response: { headers: Headers }) => response.headers.getSetCookie().find((cookie) => cookie.startsWith('quorum_device='));

/** Guesses at `email`, each from its own address: the statuses. */
async function guess(email: string, count: number, firstAddress: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let index = 0; index < count; index++) {
    statuses.push((await login(new ApiClient(stack.url), email, `guess ${index}`, `198.51.100.${firstAddress + index}`)).status);
  }
  return statuses;
}

describe('guessing at one account from many addresses', () => {
  it('makes the account wait between attempts for strangers, while the browser its owner signed in with goes straight in', async () => {
    const owner = await buildUser(stack.database.db, { role: 'reviewer' });
    // The owner signed in on their own browser before (and signed out): it keeps a device cookie.
    const ownBrowser = new ApiClient(stack.url);
    const first = await ownBrowser.login(owner.email);
    expect(first.status).toBe(200);
    const device = deviceOf(first);
    expect(device).toMatch(/^quorum_device=[A-Za-z0-9_-]{43}; Max-Age=7776000; Path=\/; HttpOnly; SameSite=Lax$/);
    expect((await ownBrowser.post('/api/auth/logout')).status).toBe(200);
    expect([...ownBrowser.otherCookies.keys()]).toEqual(['quorum_device']);

    // Guesses, each from its own address (none near its own limit of 3): three are free, then each makes the account wait.
    expect(await guess(owner.email, 6, 1)).toEqual([401, 401, 401, 401, 429, 429]);
    const stranger = await login(new ApiClient(stack.url), owner.email, TEST_PASSWORD, '198.51.100.50');
    expect(stranger.status).toBe(429);
    expect(stranger.body).toMatchObject({ error: { code: 'rate_limited', details: { retryAfterSeconds: expect.any(Number) } } });
    expect(Number(stranger.headers.get('retry-after'))).toBeGreaterThan(50);

    // The owner's browser, from yet another address: straight in, with a fresh device token.
    const back = await login(ownBrowser, owner.email, TEST_PASSWORD, '198.51.100.60');
    expect(back.status).toBe(200);
    expect(deviceOf(back)?.split(';')[0]).not.toBe(device!.split(';')[0]);
    // Another account is not held up by this one's guessers.
    const colleague = await buildUser(stack.database.db, { role: 'reviewer' });
    expect((await login(new ApiClient(stack.url), colleague.email, TEST_PASSWORD, '198.51.100.50')).status).toBe(200);
  });

  it('stops recognising a browser that fails as often as an address may, so a copied device cookie buys a few guesses only', async () => {
    const owner = await buildUser(stack.database.db, { role: 'reviewer' });
    const copied = new ApiClient(stack.url);
    expect((await copied.login(owner.email)).status).toBe(200);
    expect((await copied.post('/api/auth/logout')).status).toBe(200);
    expect(await guess(owner.email, 5, 150)).toEqual([401, 401, 401, 401, 429]);
    // Recognised, it gets past the account's wait, each guess from a fresh address: three failures.
    for (let index = 0; index < 3; index++) expect((await login(copied, owner.email, `guess ${index}`, `198.51.100.${170 + index}`)).status).toBe(401);
    // Then it waits like anyone.
    expect((await login(copied, owner.email, TEST_PASSWORD, '198.51.100.180')).status).toBe(429);
  });

  it('holds an unknown email to the same waits as a real one, so they tell nothing about which accounts exist', async () => {
    expect(await guess('no-such-person@example.edu', 5, 100)).toEqual([401, 401, 401, 401, 429]);
  });
});
