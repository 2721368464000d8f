import ipaddr from 'ipaddr.js';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { errors } from '../../shared/errors.ts';
import type { Config } from '../config.ts';
import { createAccountThrottle } from './accountThrottle.ts';

/**
 * Where an attempt comes from, as the limits count it: an IPv4 address, or an IPv6 address's /64
 * (one host usually holds a whole /64 and could otherwise take a fresh address per attempt).
 */
export function addressBlock(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address); // an IPv4-mapped IPv6 address counts as its IPv4 address
  if (parsed.kind() === 'ipv4') return parsed.toString();
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${parsed.toString()}/64`).toString()}/64`;
}

/**
 * Counts login attempts in Redis, so every server process shares one count:
 * - per address and email: `maxAttempts` failures lock that pair out for the window (a guesser
 *   cannot go on trying one account from one place; others are not locked out of it);
 * - per address, whatever the email: `maxAttemptsPerAddress` failures lock the address out (a
 *   guesser cannot try one password on every account instead);
 * - per account, from anywhere: past `account.freeFailures` the account takes one attempt per
 *   growing delay (many addresses guessing at one account), except from a browser that has
 *   signed in to it before (see accountThrottle.ts).
 * Every attempt is counted before its password is checked, so attempts sent all at once count
 * each one (checking the count first and counting failures after the check let a burst through:
 * the check takes tens of milliseconds, reading the count well under one). A successful login
 * clears its pair's count and gives back its point on the address's.
 */
export function createLoginLimiter(redis: Redis, options: LoginLimits) {
  const account = createAccountThrottle(redis, { ...options.account, windowSeconds: options.windowSeconds, deviceFailures: options.maxAttempts });
  const perAccount = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: 'quorum:login-fail',
    points: options.maxAttempts,
    duration: options.windowSeconds,
    blockDuration: options.windowSeconds,
  });
  const perAddress = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: 'quorum:login-address',
    points: options.maxAttemptsPerAddress,
    duration: options.windowSeconds,
    blockDuration: options.windowSeconds,
  });
  const keys = (address: string, email: string) => {
    const block = addressBlock(address);
    return { pair: `${block}|${email}`, block };
  };
  const limited = (error: unknown) => (error instanceof RateLimiterRes ? errors.rateLimited(Math.ceil(error.msBeforeNext / 1000)) : error);
  const accountWait = (waitMs: number) => {
    if (waitMs > 0) throw errors.rateLimited(Math.ceil(waitMs / 1000));
  };

  return {
    /**
     * Throws `rate_limited` when the pair or the address has no attempt left, or the account is
     * waiting (not for a `knownDevice`), without counting one: a locked-out address is turned away
     * before it waits for a password check (see passwordChecks.ts).
     */
    async assertNotLockedOut(address: string, email: string, knownDevice = false): Promise<void> {
      const { pair, block } = keys(address, email);
      const [pairState, blockState, waitMs] = await Promise.all([perAccount.get(pair), perAddress.get(block), knownDevice ? 0 : account.waitBefore(email)]);
      for (const [state, points] of [[pairState, options.maxAttempts], [blockState, options.maxAttemptsPerAddress]] as const) {
        if (state && state.consumedPoints >= points) throw errors.rateLimited(Math.ceil(state.msBeforeNext / 1000));
      }
      accountWait(waitMs);
    },
    /**
     * Counts an attempt about to be checked; throws `rate_limited` when its pair or its address has
     * used up its attempts, or its account is waiting (nothing counted then). A `knownDevice` (the
     * browser's recognised token) is counted against that browser instead of the account while it
     * has attempts left. Answers whether the account counted it (see `succeeded`).
     */
    async attempt(address: string, email: string, knownDevice: string | null = null): Promise<boolean> {
      const { pair, block } = keys(address, email);
      await perAccount.consume(pair).catch((error: unknown) => Promise.reject(limited(error)));
      await perAddress.consume(block).catch((error: unknown) => Promise.reject(limited(error)));
      if (knownDevice !== null && (await account.takeDeviceTurn(email, knownDevice))) return false;
      // Last, so that an attempt the address limits refuse uses none of the account's failures; one
      // the account refuses gives the address limits their points back.
      const waitMs = await account.take(email);
      if (waitMs > 0) await Promise.all([perAccount.reward(pair, 1), perAddress.reward(block, 1)]);
      accountWait(waitMs);
      return true;
    },
    /** The attempt was right: its pair starts afresh, the address gets its point back, and the account too if it `countedOnAccount`. */
    async succeeded(address: string, email: string, countedOnAccount: boolean): Promise<void> {
      const { pair, block } = keys(address, email);
      await Promise.all([perAccount.delete(pair), perAddress.reward(block, 1), countedOnAccount ? account.forgive(email) : null]);
    },
    knowsDevice: account.knowsDevice,
    rememberDevice: account.rememberDevice,
  };
}
export type LoginLimiter = ReturnType<typeof createLoginLimiter>;

export interface LoginLimits {
  maxAttempts: number;
  maxAttemptsPerAddress: number;
  windowSeconds: number;
  account: { freeFailures: number; firstDelaySeconds: number; maxDelaySeconds: number; deviceDays: number };
}

/** The login limits a configuration sets (README: LOGIN_*). */
export function loginLimits(config: Config): LoginLimits {
  return {
    maxAttempts: config.LOGIN_MAX_ATTEMPTS,
    maxAttemptsPerAddress: config.LOGIN_MAX_ATTEMPTS_PER_ADDRESS,
    windowSeconds: config.LOGIN_WINDOW_SECONDS,
    account: {
      freeFailures: config.LOGIN_ACCOUNT_FREE_FAILURES,
      firstDelaySeconds: config.LOGIN_ACCOUNT_FIRST_DELAY_SECONDS,
      maxDelaySeconds: config.LOGIN_ACCOUNT_MAX_DELAY_SECONDS,
      deviceDays: config.LOGIN_DEVICE_DAYS,
    },
  };
}
