import { createHash, randomBytes } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';

/** Lua: `now`, Redis's clock in milliseconds (one clock for every server process). */
const NOW_MS = `local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
`;

/**
 * Takes a turn on one account's failures, atomically in Redis (every process shares it, by Redis's
 * clock). Returns 0 when the attempt may go ahead (counted when ARGV[1] is '1'), or the
 * milliseconds until the account takes its next attempt. After `free` failures the account waits
 * after each one: `firstMs`, then twice as long each time, at most `maxMs`, from the last failure. The
 * count ends `windowMs` (plus the wait) after the last failure.
 */
const TAKE_TURN = `
local key = KEYS[1]
local counting = ARGV[1] == '1'
local free = tonumber(ARGV[2])
local maxMs = tonumber(ARGV[3])
local windowMs = tonumber(ARGV[4])
local firstMs = tonumber(ARGV[5])
local function delay(failures)
  if failures <= free then return 0 end
  return math.min(maxMs, firstMs * 2 ^ math.min(failures - free - 1, 30))
end
${NOW_MS}local failures = tonumber(redis.call('HGET', key, 'failures') or '0')
local last = tonumber(redis.call('HGET', key, 'last') or '0')
local ready = last + delay(failures)
if now < ready then return ready - now end
if not counting then return 0 end
redis.call('HSET', key, 'failures', failures + 1, 'last', now)
redis.call('PEXPIRE', key, windowMs + delay(failures + 1))
return 0
`;

/** A counted attempt was right after all: one failure fewer (and the wait that follows from the count). */
const FORGIVE = `
local failures = tonumber(redis.call('HGET', KEYS[1], 'failures') or '0')
if failures > 0 then redis.call('HSET', KEYS[1], 'failures', failures - 1) end
return 0
`;

/**
 * Remembers a browser (ARGV[1], a token's hash) for an account until Redis's clock passes ARGV[3]
 * ms from now; forgets the token it replaces (ARGV[2], or '') with its count, those expired, and
 * the oldest beyond ARGV[4]. KEYS: the account's devices (a sorted set by expiry) and their counts.
 */
const REMEMBER_DEVICE = `
${NOW_MS}local keepMs = tonumber(ARGV[3])
if ARGV[2] ~= '' then
  redis.call('ZREM', KEYS[1], ARGV[2])
  redis.call('HDEL', KEYS[2], ARGV[2])
end
redis.call('ZADD', KEYS[1], now + keepMs, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[4]) + 1))
redis.call('PEXPIRE', KEYS[1], keepMs)
return 0
`;

/** 1 when the account remembers the browser (ARGV[1]) and its time has not run out by Redis's clock. */
const KNOWS_DEVICE = `
local expires = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not expires then return 0 end
${NOW_MS}if tonumber(expires) > now then return 1 end
return 0
`;

/** The browsers one account remembers at most (the newest ones): a loop of sign-ins cannot grow Redis. */
const DEVICES_PER_ACCOUNT = 10;

export interface AccountThrottleOptions {
  /** Failures on one account, from anywhere, before each further one makes it wait. */
  freeFailures: number;
  /** The wait after the first failure past the free ones; each further failure doubles it. */
  firstDelaySeconds: number;
  maxDelaySeconds: number;
  windowSeconds: number;
  /** How long a browser that signed in to an account is recognised for it (0: never). */
  deviceDays: number;
  /** Failed attempts from a recognised browser (within the window) after which it is no longer recognised. */
  deviceFailures: number;
}

/** Runs a MULTI and answers its results, throwing the first command's error (ioredis hands them back). */
async function run(transaction: ChainableCommander): Promise<unknown[]> {
  const results = (await transaction.exec()) ?? [];
  const failed = results.find(([error]) => error);
  if (failed) throw failed[0];
  return results.map(([, value]) => value);
}

/** A device token as this server makes them: 32 random bytes, base64url. */
const DEVICE_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Slows down guessing at one account from many addresses (each within its own per-address limits):
 * past `freeFailures` the account takes one attempt per delay, the delay starting at
 * `firstDelaySeconds` and doubling up to `maxDelaySeconds`. Anyone may keep an account waiting this way, the owner too when they sign in
 * from a browser new to the account; a browser that has signed in to it before is not held up.
 * Each successful sign-in gives the browser a fresh device token (never one it brought: a planted
 * or copied token is not made good by the owner signing in), which the account remembers, by hash,
 * for `deviceDays` (its `DEVICES_PER_ACCOUNT` newest). A recognised browser's attempts skip the
 * account's waits and are not counted there, but against the browser, before they are checked (a
 * burst gets no more); after `deviceFailures` failures it is no longer recognised (a stolen token buys a few guesses, not unlimited ones). The count is keyed by the
 * email as typed (lower-cased), whether or not the account exists, so the answers tell nothing
 * about which accounts exist.
 */
export function createAccountThrottle(redis: Redis, options: AccountThrottleOptions) {
  const hash = (text: string) => createHash('sha256').update(text).digest('base64url');
  const accountKey = (email: string) => `quorum:login-account:${hash(email)}`;
  const devicesKey = (email: string) => `quorum:login-devices:${hash(email)}`;
  const deviceFailuresKey = (email: string) => `quorum:login-device-failures:${hash(email)}`;
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
        options.firstDelaySeconds * 1000,
      ),
    );
  const usable = (token: string | undefined): token is string => options.deviceDays > 0 && token !== undefined && DEVICE_TOKEN.test(token);

  return {
    /** Milliseconds until the account takes an attempt (0: now), without counting one. */
    waitBefore: (email: string) => takeTurn(email, false),
    /** Counts an attempt about to be checked, or answers how many milliseconds the account must wait first (nothing counted). */
    take: (email: string) => takeTurn(email, true),
    /** A counted attempt was right after all: it is not a failure. */
    async forgive(email: string): Promise<void> {
      await redis.eval(FORGIVE, 1, accountKey(email));
    },
    /** Whether this browser's device token has signed in to this account within `deviceDays`. */
    async knowsDevice(email: string, token: string | undefined): Promise<boolean> {
      if (!usable(token)) return false;
      return Number(await redis.eval(KNOWS_DEVICE, 1, devicesKey(email), hash(token))) === 1;
    },
    /**
     * This browser signed in to the account: remembers a fresh token for it (forgetting the one it
     * brought, if any, and the account's oldest beyond `DEVICES_PER_ACCOUNT`) and returns it for
     * its cookie. Null when devices are not remembered.
     */
    async rememberDevice(email: string, previous: string | undefined): Promise<string | null> {
      if (options.deviceDays === 0) return null;
      const token = randomBytes(32).toString('base64url');
      const keys = [devicesKey(email), deviceFailuresKey(email)];
      await redis.eval(REMEMBER_DEVICE, 2, ...keys, hash(token), usable(previous) ? hash(previous) : '', options.deviceDays * 86_400_000, DEVICES_PER_ACCOUNT);
      return token;
    },
    /**
     * Counts an attempt of a recognised browser before it is checked (a right password then gives
     * the browser a fresh token, and its count goes with the old one): true while it is within
     * `deviceFailures`; past that the browser is forgotten (false) and the attempt is a stranger's.
     */
    async takeDeviceTurn(email: string, token: string): Promise<boolean> {
      const failuresKey = deviceFailuresKey(email);
      const [attempts] = await run(redis.multi().hincrby(failuresKey, hash(token), 1).expire(failuresKey, options.windowSeconds));
      if (Number(attempts) <= options.deviceFailures) return true;
      // (Its count stays until the window ends: reset now, a burst's later attempts would start over.)
      await redis.zrem(devicesKey(email), hash(token));
      return false;
    },
  };
}
export type AccountThrottle = ReturnType<typeof createAccountThrottle>;
