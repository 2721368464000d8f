import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { inOrderPerKey } from './inOrderPerKey.ts';

/** A step that records when it starts and finishes when the test says so. */
function heldStep(log: string[], name: string, outcome: 'resolve' | 'reject' = 'resolve') {
  let finish!: () => void;
  const released = new Promise<void>((resolve) => (finish = resolve));
  const step = async () => {
    log.push(`start ${name}`);
    await released;
    if (outcome === 'reject') throw new Error(name);
    return name;
  };
  return { step, finish };
}

describe('inOrderPerKey', () => {
  it('starts a key\'s steps one after another in the order asked, whatever each took or however it ended; other keys do not wait', async () => {
    const inOrder = inOrderPerKey(60_000);
    const log: string[] = [];
    const slow = heldStep(log, 'a1', 'reject');
    const quick = heldStep(log, 'a2');
    const other = heldStep(log, 'b1');
    const first = inOrder('a', slow.step).catch((error: Error) => `refused ${error.message}`);
    // The first of a key starts in the caller's turn.
    expect(log).toEqual(['start a1']);
    const second = inOrder('a', quick.step);
    const elsewhere = inOrder('b', other.step);
    quick.finish();
    other.finish();
    await nextTurn();
    expect(log).toEqual(['start a1', 'start b1']);
    await expect(elsewhere).resolves.toBe('b1');
    slow.finish();
    await expect(first).resolves.toBe('refused a1');
    await expect(second).resolves.toBe('a2');
    expect(log).toEqual(['start a1', 'start b1', 'start a2']);
    // Once idle (its last step settled and a turn passed), a key's next step starts at once again.
    await nextTurn();
    const later = heldStep(log, 'a3');
    void inOrder('a', later.step);
    expect(log.at(-1)).toBe('start a3');
    later.finish();
  });

  it('starts a step that waited its longest for a hung one before it, and keeps the order after it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const inOrder = inOrderPerKey(5_000);
      const log: string[] = [];
      const hung = heldStep(log, 'hung');
      const next = heldStep(log, 'next');
      const last = heldStep(log, 'last');
      void inOrder('a', hung.step);
      // Asked for a second after the hung one started: it waits out the rest of the 5 s, not 5 s more.
      await vi.advanceTimersByTimeAsync(1_000);
      let hungSettled: Promise<void> | null = null;
      const nextDone = inOrder('a', (previousSettled) => {
        hungSettled = previousSettled;
        return next.step();
      });
      void inOrder('a', last.step);
      await vi.advanceTimersByTimeAsync(3_999);
      expect(log).toEqual(['start hung']);
      await vi.advanceTimersByTimeAsync(1);
      expect(log).toEqual(['start hung', 'start next']);
      // It is handed the hung one's settling, to wait for where it must.
      let settled = false;
      void hungSettled!.then(() => (settled = true));
      next.finish();
      await expect(nextDone).resolves.toBe('next');
      // The one after it waited for it, not for the hung one.
      expect(log).toEqual(['start hung', 'start next', 'start last']);
      expect(settled).toBe(false);
      hung.finish();
      await vi.waitFor(() => expect(settled).toBe(true));
      last.finish();
    } finally {
      vi.useRealTimers();
    }
  });
});
