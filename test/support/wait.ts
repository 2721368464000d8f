import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `probe` until it returns a value (not undefined/false); bounded by attempts, not a timing assertion. */
export async function eventually<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, attempts = 200, intervalMs = 100): Promise<T> {
  let last: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(`condition never held${last instanceof Error ? `: ${last.message}` : ''}`);
}
