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

const outcome = (attempt: Promise<void>) =>
  attempt.then(
    () => 'checked',
    (error: unknown) => (error as { code?: string }).code,
  );

describe('login limiter', () => {
  it('locks an address out after too many failures on any accounts (one password tried on many), not its other neighbours', async () => {
    const limiter = createLoginLimiter(redis, { maxAttempts: 3, maxAttemptsPerAddress: 5, windowSeconds: 60 });
    const results = [];
    for (let index = 0; index < 6; index++) results.push(await outcome(limiter.attempt('198.51.100.7', `member${index}@example.edu`)));
    expect(results).toEqual(['checked', 'checked', 'checked', 'checked', 'checked', 'rate_limited']);
    expect(await outcome(limiter.attempt('198.51.100.8', 'member0@example.edu'))).toBe('checked');
  });

  it('gives a successful login its point back, so colleagues behind one address are not locked out by signing in', async () => {
    const limiter = createLoginLimiter(redis, { maxAttempts: 3, maxAttemptsPerAddress: 2, windowSeconds: 60 });
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
    const limiter = createLoginLimiter(redis, { maxAttempts: 2, maxAttemptsPerAddress: 3, windowSeconds: 60 });
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
    const limiter = createLoginLimiter(redis, { maxAttempts: 2, maxAttemptsPerAddress: 50, windowSeconds: 60 });
    expect(await outcome(limiter.attempt('2001:db8:1:3::1', 'target@example.edu'))).toBe('checked');
    expect(await outcome(limiter.attempt('2001:db8:1:3::2', 'target@example.edu'))).toBe('checked');
    expect(await outcome(limiter.attempt('2001:db8:1:3:ffff::9', 'target@example.edu'))).toBe('rate_limited');
    expect(await outcome(limiter.attempt('2001:db8:1:4::1', 'target@example.edu'))).toBe('checked');
  });
});
