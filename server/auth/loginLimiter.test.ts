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

const noAccountDelays = { freeFailures: 1000, maxDelaySeconds: 60, deviceDays: 90 };
const limits = (options: { maxAttempts: number; maxAttemptsPerAddress: number; windowSeconds: number }, account = noAccountDelays) => ({ ...options, account });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** What a refusal told the client to wait. */
const retryAfter = (attempt: Promise<void>) =>
  attempt.then(
    () => 0,
    (error: unknown) => (error as { details?: { retryAfterSeconds?: number } }).details?.retryAfterSeconds,
  );

const outcome = (attempt: Promise<void>) =>
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
      await limiter.succeeded('198.51.100.20', email);
    }
    // The right password after failures starts that pair afresh.
    for (let index = 0; index < 2; index++) expect(await outcome(limiter.attempt('198.51.100.21', 'typo@example.edu'))).toBe('checked');
    await limiter.succeeded('198.51.100.21', 'typo@example.edu');
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
    const limiter = createLoginLimiter(redis, limits({ maxAttempts: 5, maxAttemptsPerAddress: 50, windowSeconds: 60 }, { freeFailures: 3, maxDelaySeconds: 8, deviceDays: 90 }));
    const email = 'sought-after@example.edu';
    const token = await limiter.rememberDevice(email, undefined);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Four addresses, each well within its own limits: the fourth failure makes the account wait 1 s.
    for (let index = 1; index <= 4; index++) expect(await outcome(limiter.attempt(`203.0.113.${index}`, email))).toBe('checked');
    expect(await retryAfter(limiter.attempt('203.0.113.5', email))).toBe(1);
    expect(await retryAfter(limiter.assertNotLockedOut('203.0.113.6', email))).toBe(1);
    // The owner's browser goes on, from any address; other accounts are not held up.
    expect(await outcome(limiter.assertNotLockedOut('203.0.113.5', email, await limiter.knowsDevice(email, token!)))).toBe('checked');
    expect(await outcome(limiter.attempt('203.0.113.5', email, await limiter.knowsDevice(email, token!)))).toBe('checked');
    expect(await outcome(limiter.attempt('203.0.113.5', 'someone-else@example.edu'))).toBe('checked');
    // Refused attempts counted nothing (nor did the owner's): after the wait one more is checked, and the next wait is 2 s.
    await sleep(1_100);
    expect(await outcome(limiter.attempt('203.0.113.7', email))).toBe('checked');
    expect(await retryAfter(limiter.attempt('203.0.113.8', email))).toBe(2);
  });

  it('makes an account wait no longer than the most it may be, however many failures there were', async () => {
    const limiter = createLoginLimiter(redis, limits({ maxAttempts: 5, maxAttemptsPerAddress: 50, windowSeconds: 60 }, { freeFailures: 1, maxDelaySeconds: 1, deviceDays: 90 }));
    const email = 'capped@example.edu';
    for (let index = 1; index <= 2; index++) expect(await outcome(limiter.attempt(`203.0.113.${20 + index}`, email))).toBe('checked');
    expect(await retryAfter(limiter.attempt('203.0.113.23', email))).toBe(1);
    await sleep(1_100);
    expect(await outcome(limiter.attempt('203.0.113.24', email))).toBe('checked');
    // The third failure would have made it 2 s.
    expect(await retryAfter(limiter.attempt('203.0.113.25', email))).toBe(1);
  });

  it('recognises a browser only for the accounts it signed in to, and only by a token it was given', async () => {
    const limiter = createLoginLimiter(redis, limits({ maxAttempts: 5, maxAttemptsPerAddress: 50, windowSeconds: 60 }));
    const token = await limiter.rememberDevice('first@example.edu', undefined);
    expect(await limiter.knowsDevice('first@example.edu', token!)).toBe(true);
    expect(await limiter.knowsDevice('second@example.edu', token!)).toBe(false);
    // Signing in to a second account keeps the browser's token and recognises it there too.
    expect(await limiter.rememberDevice('second@example.edu', token!)).toBe(token);
    expect(await limiter.knowsDevice('second@example.edu', token!)).toBe(true);
    expect(await limiter.knowsDevice('first@example.edu', undefined)).toBe(false);
    expect(await limiter.knowsDevice('first@example.edu', 'x'.repeat(43))).toBe(false);
    // A token of the wrong shape is replaced, not stored.
    expect(await limiter.rememberDevice('first@example.edu', 'not a token')).not.toBe('not a token');
    const forgetful = createLoginLimiter(redis, limits({ maxAttempts: 5, maxAttemptsPerAddress: 50, windowSeconds: 60 }, { ...noAccountDelays, deviceDays: 0 }));
    expect(await forgetful.rememberDevice('first@example.edu', token!)).toBeNull();
    expect(await forgetful.knowsDevice('first@example.edu', token!)).toBe(false);
  });
});
