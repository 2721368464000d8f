import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildUser, TEST_PASSWORD } from '../../../test/support/factories.ts';
import { ApiClient } from '../../../test/support/http.ts';
import { startTestStack, type TestStack } from '../../../test/support/stack.ts';

let stack: TestStack;

beforeAll(async () => {
  // Behind a proxy, so each request can come from its own address (X-Forwarded-For).
  stack = await startTestStack({
    env: { TRUST_PROXY: 'true', LOGIN_MAX_ATTEMPTS: '3', LOGIN_ACCOUNT_FREE_FAILURES: '3', LOGIN_ACCOUNT_MAX_DELAY_SECONDS: '60', LOGIN_WINDOW_SECONDS: '60' },
  });
});
afterAll(() => stack.close());

const from = (address: string) => ({ 'x-forwarded-for': address });
const login = (client: ApiClient, email: string, password: string, address: string) => client.post('/api/auth/login', { email, password }, from(address));

describe('guessing at one account from many addresses', () => {
  it('makes the account wait between attempts for strangers, while the browser its owner signed in with goes straight in', async () => {
    const owner = await buildUser(stack.database.db, { role: 'reviewer' });
    // The owner signed in on their own browser before (and signed out): it keeps a device cookie.
    const ownBrowser = new ApiClient(stack.url);
    const first = await ownBrowser.login(owner.email);
    expect(first.status).toBe(200);
    const device = first.headers.getSetCookie().find((cookie) => cookie.startsWith('quorum_device='));
    expect(device).toMatch(/; Max-Age=7776000; Path=\/; HttpOnly; SameSite=Lax$/);
    expect((await ownBrowser.post('/api/auth/logout')).status).toBe(200);
    expect([...ownBrowser.otherCookies.keys()]).toEqual(['quorum_device']);

    // Four guesses, each from its own address (none near its own limit of 3): the fourth makes the account wait.
    for (let index = 1; index <= 4; index++) {
      expect((await login(new ApiClient(stack.url), owner.email, `guess ${index}`, `198.51.100.${index}`)).status).toBe(401);
    }
    const stranger = await login(new ApiClient(stack.url), owner.email, TEST_PASSWORD, '198.51.100.50');
    expect(stranger.status).toBe(429);
    expect(stranger.body).toMatchObject({ error: { code: 'rate_limited', details: { retryAfterSeconds: 1 } } });
    expect(stranger.headers.get('retry-after')).toBe('1');

    // The owner's browser, from yet another address: straight in, and it keeps the same device cookie.
    const back = await login(ownBrowser, owner.email, TEST_PASSWORD, '198.51.100.60');
    expect(back.status).toBe(200);
    expect(back.headers.getSetCookie().find((cookie) => cookie.startsWith('quorum_device='))?.split(';')[0]).toBe(device!.split(';')[0]);
    // Another account is not held up by this one's guessers.
    const colleague = await buildUser(stack.database.db, { role: 'reviewer' });
    expect((await login(new ApiClient(stack.url), colleague.email, TEST_PASSWORD, '198.51.100.50')).status).toBe(200);
  });

  it('holds an unknown email to the same waits as a real one, so they tell nothing about which accounts exist', async () => {
    const statuses: number[] = [];
    for (let index = 1; index <= 5; index++) statuses.push((await login(new ApiClient(stack.url), 'no-such-person@example.edu', 'guess', `198.51.100.${100 + index}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
  });
});
