import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Takes a turn on one account's failures, atomically in Redis (every process shares it, by Redis's
 * clock). Returns 0 when the attempt may go ahead (counted when ARGV[1] is '1'), or the
 * milliseconds until the account takes its next attempt. After `free` failures each further one
 * makes the account wait before the next: 1 s, then twice as long each time, at most `maxMs`. The
 * count ends `windowMs` after the last failure.
 */
const TAKE_TURN = `
local key = KEYS[1]
local counting = ARGV[1] == '1'
local free = tonumber(ARGV[2])
local maxMs = tonumber(ARGV[3])
local windowMs = tonumber(ARGV[4])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local failures = tonumber(redis.call('HGET', key, 'failures') or '0')
local nextAt = tonumber(redis.call('HGET', key, 'next') or '0')
if now < nextAt then return nextAt - now end
if not counting then return 0 end
failures = failures + 1
local wait = 0
if failures > free then wait = math.min(maxMs, 1000 * 2 ^ math.min(failures - free - 1, 30)) end
redis.call('HSET', key, 'failures', failures, 'next', now + wait)
redis.call('PEXPIRE', key, windowMs + wait)
return 0
`;

const FORGIVE = `
local failures = tonumber(redis.call('HGET', KEYS[1], 'failures') or '0')
if failures > 0 then redis.call('HSET', KEYS[1], 'failures', failures - 1) end
return 0
`;

export interface AccountThrottleOptions {
  /** Failures on one account, from anywhere, before each further one makes it wait. */
  freeFailures: number;
  maxDelaySeconds: number;
  windowSeconds: number;
  /** How long a browser that signed in to an account is recognised for it (0: never). */
  deviceDays: number;
}

/** A device token as this server makes them: 32 random bytes, base64url. */
const DEVICE_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Slows down guessing at one account from many addresses (each within its own per-address limits),
 * without locking anyone out: past `freeFailures` the account takes one attempt per delay, the
 * delay doubling up to `maxDelaySeconds`. A browser that has signed in to the account before
 * (its device cookie, remembered in Redis by hash for `deviceDays`) is not held up by strangers'
 * failures, and its own failures do not count here (the address-and-email limit still holds it).
 * The count is keyed by the email as typed (lower-cased), whether or not the account exists, so
 * the answers tell nothing about which accounts exist.
 */
export function createAccountThrottle(redis: Redis, options: AccountThrottleOptions) {
  const hash = (text: string) => createHash('sha256').update(text).digest('base64url');
  const accountKey = (email: string) => `quorum:login-account:${hash(email)}`;
  const deviceKey = (email: string, token: string) => `quorum:login-device:${hash(`${email}\n${token}`)}`;
  const takeTurn = async (email: string, counting: boolean): Promise<number> =>
    Number(
      await redis.eval(
        TAKE_TURN,
        1,
        accountKey(email),
        counting ? '1' : '0',
        options.freeFailures,
        options.maxDelaySeconds * 1000,
        options.windowSeconds * 1000,
      ),
    );

  return {
    /** Milliseconds until the account takes an attempt (0: now), without counting one. */
    waitBefore: (email: string) => takeTurn(email, false),
    /** Counts an attempt about to be checked, or answers how many milliseconds the account must wait first (nothing counted). */
    take: (email: string) => takeTurn(email, true),
    /** A counted attempt was right after all: it is not a failure (the wait it may have set stays). */
    async forgive(email: string): Promise<void> {
      await redis.eval(FORGIVE, 1, accountKey(email));
    },
    /** Whether this browser's device token has signed in to this account within `deviceDays`. */
    async knowsDevice(email: string, token: string | undefined): Promise<boolean> {
      if (options.deviceDays === 0 || !token || !DEVICE_TOKEN.test(token)) return false;
      return (await redis.exists(deviceKey(email, token))) === 1;
    },
    /**
     * Remembers that this browser signed in to the account (for another `deviceDays`); returns the
     * token its cookie should hold: the one it sent, or a new one. Null when devices are not remembered.
     */
    async rememberDevice(email: string, token: string | undefined): Promise<string | null> {
      if (options.deviceDays === 0) return null;
      const kept = token && DEVICE_TOKEN.test(token) ? token : randomBytes(32).toString('base64url');
      await redis.set(deviceKey(email, kept), '1', 'EX', options.deviceDays * 86_400);
      return kept;
    },
  };
}
export type AccountThrottle = ReturnType<typeof createAccountThrottle>;
