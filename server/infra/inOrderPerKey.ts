/**
 * Runs async steps one after another per key, in the order they were asked for; steps of different
 * keys do not wait for each other. A step starts once the key's previous one has settled (however
 * it settled); the first of a key starts at once, in the caller's turn. Keys with nothing left to
 * run are forgotten.
 */
export function inOrderPerKey() {
  const tails = new Map<string, Promise<void>>();
  const noop = () => {};
  return <T>(key: string, step: () => Promise<T>): Promise<T> => {
    const previous = tails.get(key);
    const turn = previous ? previous.then(step) : step();
    const settled = turn.then(noop, noop);
    tails.set(key, settled);
    void settled.then(() => {
      if (tails.get(key) === settled) tails.delete(key);
    });
    return turn;
  };
}
