import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { errors } from '../../shared/errors.ts';

/**
 * Counts failed logins per (address, email) in Redis, so every server process shares one count.
 * A successful login clears the count.
 */
export function createLoginLimiter(redis: Redis, options: { maxAttempts: number; windowSeconds: number }) {
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: 'quorum:login-fail',
    points: options.maxAttempts,
    duration: options.windowSeconds,
    blockDuration: options.windowSeconds,
  });
  const keyOf = (address: string, email: string) => `${address}|${email}`;

  return {
    /** Throws `rate_limited` when this address has used up its attempts for this email. */
    async assertAllowed(address: string, email: string): Promise<void> {
      const state = await limiter.get(keyOf(address, email));
      if (state && state.consumedPoints >= options.maxAttempts) {
        throw errors.rateLimited(Math.ceil(state.msBeforeNext / 1000));
      }
    },
    async recordFailure(address: string, email: string): Promise<void> {
      try {
        await limiter.consume(keyOf(address, email));
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
      }
    },
    async recordSuccess(address: string, email: string): Promise<void> {
      await limiter.delete(keyOf(address, email));
    },
  };
}
export type LoginLimiter = ReturnType<typeof createLoginLimiter>;
