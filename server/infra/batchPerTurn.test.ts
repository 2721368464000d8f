import { describe, expect, it } from 'vitest';
import { batchPerTurn } from './batchPerTurn.ts';

/** A lookup whose calls the test settles by hand. */
function controlledLookup() {
  const calls: { keys: string[]; settle: (found: Map<string, string>) => void; fail: (error: Error) => void }[] = [];
  const lookup = (keys: string[]) =>
    new Promise<Map<string, string>>((resolve, reject) => {
      calls.push({ keys, settle: resolve, fail: reject });
    });
  return { calls, lookup };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const answerAll = (keys: string[]) => new Map(keys.map((key) => [key, `value of ${key}`]));

describe('batchPerTurn', () => {
  it('answers every ask of one turn with one lookup of all their keys', async () => {
    const { calls, lookup } = controlledLookup();
    const find = batchPerTurn(lookup);
    const asks = [find('a'), find('b'), find('a')];
    await turn();
    expect(calls.map((call) => call.keys)).toEqual([['a', 'b']]);
    calls[0]!.settle(new Map([['a', 'A']]));
    expect(await Promise.all(asks)).toEqual(['A', undefined, 'A']);
  });

  it('gathers the asks made while a lookup runs into one lookup that starts after it settles', async () => {
    const { calls, lookup } = controlledLookup();
    const find = batchPerTurn(lookup);
    const first = find('a');
    await turn();
    // Three more turns of asks while the first lookup runs: none starts a lookup of its own.
    const later = [find('b')];
    await turn();
    later.push(find('c'));
    await turn();
    later.push(find('a'));
    await turn();
    expect(calls).toHaveLength(1);

    calls[0]!.settle(answerAll(calls[0]!.keys));
    expect(await first).toBe('value of a');
    await turn();
    await turn();
    // The ask for `a` made during the first lookup gets a lookup of its own that started after it was made.
    expect(calls.map((call) => call.keys)).toEqual([['a'], ['b', 'c', 'a']]);
    calls[1]!.settle(new Map([['b', 'B2'], ['c', 'C2'], ['a', 'A2']]));
    expect(await Promise.all(later)).toEqual(['B2', 'C2', 'A2']);

    // Idle again: the next ask is looked up on the next turn.
    const next = find('d');
    await turn();
    expect(calls).toHaveLength(3);
    calls[2]!.settle(answerAll(['d']));
    expect(await next).toBe('value of d');
  });

  it('fails only the asks of the lookup that failed', async () => {
    const { calls, lookup } = controlledLookup();
    const find = batchPerTurn(lookup);
    const failing = find('a');
    await turn();
    const waiting = find('b');
    calls[0]!.fail(new Error('connection lost'));
    await expect(failing).rejects.toThrow('connection lost');
    await turn();
    await turn();
    calls[1]!.settle(answerAll(calls[1]!.keys));
    expect(await waiting).toBe('value of b');
  });

  it('starts the next lookup without waiting for one that does not settle', async () => {
    const { calls, lookup } = controlledLookup();
    const find = batchPerTurn(lookup, { overlapAfterMs: 20 });
    void find('stuck');
    await turn();
    const next = find('b');
    await expect.poll(() => calls.length).toBe(2);
    calls[1]!.settle(answerAll(calls[1]!.keys));
    expect(await next).toBe('value of b');
  });
});
