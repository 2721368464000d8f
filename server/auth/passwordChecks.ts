import pLimit from 'p-limit';
import { errors } from '../../shared/errors.ts';

/**
 * Bounds the password checks one process runs at once. Each argon2id check takes 19 MiB and tens of
 * milliseconds of a libuv pool thread (shared with file and DNS work), so a flood of sign-ins from
 * many addresses — each within its login limits — would otherwise queue checks without bound:
 * memory, and every later sign-in waiting behind the whole queue. At most `concurrency` run, at most
 * `maxWaiting` wait; a sign-in beyond that is refused at once with `unavailable` (503, Retry-After),
 * before its password is looked at, and may simply be sent again.
 */
export function createPasswordChecks(options: { concurrency: number; maxWaiting: number; onSaturated?: () => void }) {
  const limit = pLimit(options.concurrency);
  return {
    /** Runs `check` when a slot is free; throws `unavailable` when too many are running and waiting already. */
    run<T>(check: () => Promise<T>): Promise<T> {
      if (limit.activeCount + limit.pendingCount >= options.concurrency + options.maxWaiting) {
        options.onSaturated?.();
        return Promise.reject(errors.busy('Too many sign-ins at once. Try again in a moment.', 1));
      }
      return limit(check);
    },
    /** Checks running and waiting now. */
    get load() {
      return { running: limit.activeCount, waiting: limit.pendingCount };
    },
  };
}
export type PasswordChecks = ReturnType<typeof createPasswordChecks>;
