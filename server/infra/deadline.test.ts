import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withDeadline } from './deadline.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const refusal = () => new Error('too slow');

describe('withDeadline', () => {
  it('answers what the step answers in time, and leaves no timer behind', async () => {
    await expect(withDeadline(1_000, async () => 'answer', refusal)).resolves.toBe('answer');
    await expect(withDeadline(1_000, () => Promise.reject(new Error('own failure')), refusal)).rejects.toThrow('own failure');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('refuses past the deadline, and the step, still running, sees that it expired', async () => {
    let release: (value: string) => void = () => {};
    const seen: boolean[] = [];
    const result = withDeadline(
      1_000,
      async (expired) => {
        seen.push(expired());
        const answer = await new Promise<string>((resolve) => (release = resolve));
        seen.push(expired());
        if (expired()) throw new Error('dropped: nobody waits for it');
        return answer;
      },
      refusal,
    );
    const outcome = result.catch((error: unknown) => (error as Error).message);
    await vi.advanceTimersByTimeAsync(999);
    release('late');
    // Answered 1 ms before the deadline: taken.
    expect(await outcome).toBe('late');

    const hung = withDeadline(1_000, async (expired) => {
      await new Promise<void>((resolve) => (release = () => resolve()));
      seen.push(expired());
      throw new Error('dropped: nobody waits for it');
    }, refusal).catch((error: unknown) => (error as Error).message);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await hung).toBe('too slow');
    // The step settles later (its rejection is nobody's: no unhandled rejection).
    release('');
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual([false, false, true]);
  });

  it('has no deadline at 0', async () => {
    let release: () => void = () => {};
    const result = withDeadline(0, () => new Promise<string>((resolve) => (release = () => resolve('whenever'))), refusal);
    await vi.advanceTimersByTimeAsync(3_600_000);
    release();
    await expect(result).resolves.toBe('whenever');
  });
});
