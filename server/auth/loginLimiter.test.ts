import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startLocalRedis, type LocalRedis } from '../infra/redisServer.ts';
import { addressBlock, createLoginLimiter } from './loginLimiter.ts';

let server: LocalRedis;
let redis: Redis;

beforeAll(async () => {
  server = await startLocalRedis();
  redis = new Redis(server.url);
});
afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

const noAccountDelays = { freeFailures: 1000, firstDelaySeconds: 1, maxDelaySeconds: 60, deviceDays: 90 };
const limits = (options: { maxAttempts: number; maxAttemptsPerAddress: number; windowSeconds: number }, account = noAccountDelays) => ({ ...options, account });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** What a refusal told the client to wait. */
const retryAfter = (attempt: Promise<unknown>) =>
  attempt.then(
    () => 0,
    (error: unknown) => (error as { details?: { retryAfterSeconds?: number } }).details?.retryAfterSeconds,
  );

const outcome = (attempt: Promise<unknown>) =>
  attempt.then(
    () => 'checked',
    (error: unknown) => (error as { code?: string }).code,
  );

describe('login limiter', () => {
  it('locks an address out after too many failures on any accounts (one password tried on many), not its other neighbours', async () => {
    const limiter = createLoginLimiter(redis, limits({ maxAttempts: 3, maxAttemptsPerAddress: 5, windowSeconds: 60 }));
    const results = [];
    for (let index = 0; index < 6; index++) results.push(await outcome(limiter.attempt('198.51.100.7', `member${index}@example.edu`)));
    expect(results).toEqual(['checked', 'checked', 'checked', 'checked', 'checked', 'rate_limited']);
    expect(await outcome(limiter.attempt('198.51.100.8', 'member0@example.edu'))).toBe('checked');
  });

  it('gives a successful login its point back, so colleagues behind one address are not locked out by signing in', async () => {
    const limiter = createLoginLimiter(redis, limits({ maxAttempts: 3, maxAttemptsPerAddress: 2, windowSeconds: 60 }));
    for (let index = 0; index < 5; index++) {
      const email = `colleague${index}@example.edu`;
      expect(await outcome(limiter.attempt('198.51.100.20', email))).toBe('checked');
      await limiter.succeeded('198.51.100.20', email, true);
    }
    // The right password after failures starts that pair afresh.
    for (let index = 0; index < 2; index++) expect(await outcome(limiter.attempt('198.51.100.21', 'typo@example.edu'))).toBe('checked');
    await limiter.succeeded('198.51.100.21', 'typo@example.edu', true);
    expect(await outcome(limiter.attempt('198.51.100.21', 'typo@example.edu'))).toBe('checked');
  });

  it('tells a locked-out pair or address so without counting an attempt, and lets others through', async () => {
    const limiter = createLoginLimiter(redis, limits({ maxAttempts: 2, maxAttemptsPerAddress: 3, windowSeconds: 60 }));
    // Nothing counted yet, and looking does not count.
    for (let look = 0; look < 5; look++) expect(await outcome(limiter.assertNotLockedOut('198.51.100.30', 'guarded@example.edu'))).toBe('checked');
    for (let index = 0; index < 2; index++) await limiter.attempt('198.51.100.30', 'guarded@example.edu');
    expect(await outcome(limiter.assertNotLockedOut('198.51.100.30', 'guarded@example.edu'))).toBe('rate_limited');
    // The same address for another account has one attempt left; then the address is out for all.
    expect(await outcome(limiter.assertNotLockedOut('198.51.100.30', 'other@example.edu'))).toBe('checked');
    await limiter.attempt('198.51.100.30', 'other@example.edu');
    expect(await outcome(limiter.assertNotLockedOut('198.51.100.30', 'third@example.edu'))).toBe('rate_limited');
    expect(await outcome(limiter.assertNotLockedOut('198.51.100.31', 'guarded@example.edu'))).toBe('checked');
  });

  it('counts an IPv6 address as its /64, and an IPv4-mapped address as the IPv4 one', async () => {
    expect(addressBlock('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressBlock('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressBlock('::ffff:192.0.2.9')).toBe('192.0.2.9');
    expect(addressBlock('unknown')).toBe('unknown');
    const limiter = createLoginLimiter(redis, limits({ maxAttempts: 2, maxAttemptsPerAddress: 50, windowSeconds: 60 }));
    expect(await outcome(limiter.attempt('2001:db8:1:3::1', 'target@example.edu'))).toBe('checked');
    expect(await outcome(limiter.attempt('2001:db8:1:3::2', 'target@example.edu'))).toBe('checked');
    expect(await outcome(limiter.attempt('2001:db8:1:3:ffff::9', 'target@example.edu'))).toBe('rate_limited');
    expect(await outcome(limiter.attempt('2001:db8:1:4::1', 'target@example.edu'))).toBe('checked');
  });

  it('makes one account wait between attempts after too many failures from anywhere, longer each time, but not a browser that signed in to it before', async () => {
    const limiter = createLoginLimiter(redis, limits({ maxAttempts: 5, maxAttemptsPerAddress: 50, windowSeconds: 60 }, { freeFailures: 3, firstDelaySeconds: 1, maxDelaySeconds: 8, deviceDays: 90 }));
    const email = 'sought-after@example.edu';
    const token = await limiter.rememberDevice(email, undefined);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Four addresses, each well within its own limits: the fourth failure makes the account wait 1 s.
    for (let index = 1; index <= 4; index++) expect(await outcome(limiter.attempt(`203.0.113.${index}`, email))).toBe('checked');
    expect(await retryAfter(limiter.attempt('203.0.113.5', email))).toBe(1);
    expect(await retryAfter(limiter.assertNotLockedOut('203.0.113.6', email))).toBe(1);
    // The owner's browser goes on, from any address; other accounts are not held up.
    expect(await limiter.knowsDevice(email, token!)).toBe(true);
    expect(await outcome(limiter.assertNotLockedOut('203.0.113.5', email, true))).toBe('checked');
    expect(await outcome(limiter.attempt('203.0.113.5', email, token!))).toBe('checked');
    expect(await outcome(limiter.attempt('203.0.113.5', 'someone-else@example.edu'))).toBe('checked');
    // Refused attempts counted nothing (nor did the owner's): after the wait one more is checked, and the next wait is 2 s.
    await sleep(1_100);
    expect(await outcome(limiter.attempt('203.0.113.7', email))).toBe('checked');
    expect(await retryAfter(limiter.attempt('203.0.113.8', email))).toBe(2);
  });

  it('makes an account wait no longer than the most it may be, however many failures there were', async () => {
    const limiter = createLoginLimiter(redis, limits({ maxAttempts: 5, maxAttemptsPerAddress: 50, windowSeconds: 60 }, { freeFailures: 1, firstDelaySeconds: 1, maxDelaySeconds: 1, deviceDays: 90 }));
    const email = 'capped@example.edu';
    for (let index = 1; index <= 2; index++) expect(await outcome(limiter.attempt(`203.0.113.${20 + index}`, email))).toBe('checked');
    expect(await retryAfter(limiter.attempt('203.0.113.23', email))).toBe(1);
    await sleep(1_100);
    expect(await outcome(limiter.attempt('203.0.113.24', email))).toBe('checked');
    // The third failure would have made it 2 s.
    expect(await retryAfter(limiter.attempt('203.0.113.25', email))).toBe(1);
  });

  it('counts an attempt one limit refuses against no other: the account\'s refusal gives the address limits their points back, and theirs leaves the account alone', async () => {
    const limiter = createLoginLimiter(redis, limits({ maxAttempts: 1, maxAttemptsPerAddress: 1, windowSeconds: 60 }, { freeFailures: 1, firstDelaySeconds: 1, maxDelaySeconds: 8, deviceDays: 90 }));
    const email = 'both-limits@example.edu';
    expect(await outcome(limiter.attempt('203.0.113.31', email))).toBe('checked');
    expect(await outcome(limiter.attempt('203.0.113.32', email))).toBe('checked');
    // The account now waits 1 s: this address's one attempt is refused by it, and given back.
    expect(await retryAfter(limiter.attempt('203.0.113.33', email))).toBe(1);
    await sleep(1_100);
    expect(await outcome(limiter.attempt('203.0.113.33', email))).toBe('checked');

    // An address that used its one attempt on another account is refused before the account counts.
    const other = 'untouched@example.edu';
    expect(await outcome(limiter.attempt('203.0.113.34', 'elsewhere@example.edu'))).toBe('checked');
    expect(await outcome(limiter.attempt('203.0.113.34', other))).toBe('rate_limited');
    // So the account's one free failure is still there: two more are checked before it waits.
    expect(await outcome(limiter.attempt('203.0.113.35', other))).toBe('checked');
    expect(await outcome(limiter.attempt('203.0.113.36', other))).toBe('checked');
    expect(await outcome(limiter.attempt('203.0.113.37', other))).toBe('rate_limited');
  });

  it('does not count a right password as one of the account\'s failures', async () => {
    const limiter = createLoginLimiter(redis, limits({ maxAttempts: 5, maxAttemptsPerAddress: 50, windowSeconds: 60 }, { freeFailures: 1, firstDelaySeconds: 1, maxDelaySeconds: 8, deviceDays: 90 }));
    const email = 'signs-in@example.edu';
    expect(await outcome(limiter.attempt('203.0.113.41', email))).toBe('checked');
    await limiter.succeeded('203.0.113.41', email, true);
    expect(await outcome(limiter.attempt('203.0.113.42', email))).toBe('checked');
    expect(await outcome(limiter.attempt('203.0.113.43', email))).toBe('checked');
    expect(await outcome(limiter.attempt('203.0.113.44', email))).toBe('rate_limited');
  });

  it('recognises a browser by the fresh token its last sign-in to the account gave it, never by one it brought', async () => {
    const limiter = createLoginLimiter(redis, limits({ maxAttempts: 3, maxAttemptsPerAddress: 50, windowSeconds: 60 }));
    const first = await limiter.rememberDevice('first@example.edu', undefined);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await limiter.knowsDevice('first@example.edu', first!)).toBe(true);
    expect(await limiter.knowsDevice('second@example.edu', first!)).toBe(false);
    expect(await limiter.knowsDevice('first@example.edu', undefined)).toBe(false);
    // Signing in again swaps the token: the old one is no longer recognised.
    const again = await limiter.rememberDevice('first@example.edu', first!);
    expect(again).not.toBe(first);
    expect(await limiter.knowsDevice('first@example.edu', first!)).toBe(false);
    expect(await limiter.knowsDevice('first@example.edu', again!)).toBe(true);
    // A token planted in the browser (or copied from another) is not made good by the owner signing in with it.
    const planted = 'P'.repeat(43);
    expect(await limiter.rememberDevice('second@example.edu', planted)).not.toBe(planted);
    expect(await limiter.knowsDevice('second@example.edu', planted)).toBe(false);
    const forgetful = createLoginLimiter(redis, limits({ maxAttempts: 5, maxAttemptsPerAddress: 50, windowSeconds: 60 }, { ...noAccountDelays, deviceDays: 0 }));
    expect(await forgetful.rememberDevice('first@example.edu', undefined)).toBeNull();
    expect(await forgetful.knowsDevice('first@example.edu', again!)).toBe(false);
  });

  it('remembers an account\'s ten newest browsers only, and forgets one after as many attempts as an address may make, a burst too', async () => {
    const limiter = createLoginLimiter(redis, limits({ maxAttempts: 3, maxAttemptsPerAddress: 50, windowSeconds: 60 }));
    const email = 'many-browsers@example.edu';
    const tokens: string[] = [];
    for (let index = 0; index < 12; index++) {
      tokens.push((await limiter.rememberDevice(email, undefined))!);
      await sleep(2); // each sign-in in its own millisecond, so "newest" is well defined
    }
    const known = await Promise.all(tokens.map((token) => limiter.knowsDevice(email, token)));
    expect(known).toEqual([false, false, ...Array<boolean>(10).fill(true)]);

    // A recognised browser's attempts are counted against it before they are checked, so a burst gets
    // no more than three past the account; the rest are counted on the account, and it is forgotten.
    const browser = tokens[11]!;
    const burst = await Promise.all(Array.from({ length: 5 }, (_, index) => limiter.attempt(`203.0.113.${60 + index}`, email, browser)));
    expect(burst.filter((countedOnAccount) => !countedOnAccount)).toHaveLength(3);
    expect(await limiter.knowsDevice(email, browser)).toBe(false);
    expect(await limiter.knowsDevice(email, tokens[10]!)).toBe(true);
  });
});
