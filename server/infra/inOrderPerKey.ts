/**
 * Runs async steps one after another per key, in the order they were asked for; steps of different
 * keys do not wait for each other. A step starts once the key's previous one has settled (however
 * it settled), or once the previous one has been running for `maxWaitMs`: a step that hangs holds
 * the next up that long, not for good. A step that starts early that way is handed the previous
 * one's settling, to wait for it where it must. The first of a key starts at once, in the caller's
 * turn. Keys with nothing left to run are forgotten.
 */
export function inOrderPerKey(maxWaitMs: number) {
  interface Turn {
    /** When the step started (performance.now()), once it has. */
    startedAt: number | null;
    started: Promise<void>;
    settled: Promise<void>;
  }
  const tails = new Map<string, Turn>();
  const noop = () => {};
  /** Resolves once `previous` has settled, or has been running for `maxWaitMs`. */
  const doneOrOverdue = (previous: Turn) =>
    new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      void previous.started.then(() => {
        const ranFor = performance.now() - (previous.startedAt ?? performance.now());
        timer = setTimeout(resolve, Math.max(0, maxWaitMs - ranFor));
        timer.unref();
      });
      void previous.settled.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  return <T>(key: string, step: (previousSettled: Promise<void>) => Promise<T>): Promise<T> => {
    const previous = tails.get(key);
    const previousSettled = previous?.settled ?? Promise.resolve();
    const turn: Turn = { startedAt: null, started: Promise.resolve(), settled: Promise.resolve() };
    const begin = () => {
      turn.startedAt = performance.now();
      return step(previousSettled);
    };
    turn.started = previous ? doneOrOverdue(previous) : Promise.resolve();
    const result = previous ? turn.started.then(begin) : begin();
    turn.settled = result.then(noop, noop);
    tails.set(key, turn);
    void turn.settled.then(() => {
      if (tails.get(key) === turn) tails.delete(key);
    });
    return result;
  };
}
