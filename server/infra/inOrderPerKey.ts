/**
 * Runs async steps one after another per key, in the order they were asked for; steps of different
 * keys do not wait for each other. A step starts once the key's previous one has settled (however
 * it settled), or once the previous one has run for `maxWaitMs`: a step that hangs holds the next
 * up that long, not for good. The first of a key starts at once, in the caller's turn. Keys with
 * nothing left to run are forgotten.
 */
export function inOrderPerKey(maxWaitMs: number) {
  interface Turn {
    started: Promise<void>;
    settled: Promise<void>;
  }
  const tails = new Map<string, Turn>();
  const noop = () => {};
  /** Resolves once `previous` has settled, or has run for `maxWaitMs`. */
  const doneOrOverdue = (previous: Turn) =>
    new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      void previous.started.then(() => {
        timer = setTimeout(resolve, maxWaitMs);
        timer.unref();
      });
      void previous.settled.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  return <T>(key: string, step: () => Promise<T>): Promise<T> => {
    const previous = tails.get(key);
    const gate = previous ? doneOrOverdue(previous) : Promise.resolve();
    const result = previous ? gate.then(step) : step();
    const turn: Turn = { started: gate, settled: result.then(noop, noop) };
    tails.set(key, turn);
    void turn.settled.then(() => {
      if (tails.get(key) === turn) tails.delete(key);
    });
    return result;
  };
}
