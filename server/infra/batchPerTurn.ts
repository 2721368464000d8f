/**
 * Answers asks in batches: every ask made while no lookup runs is answered by one lookup of all their
 * keys, started on the next turn; asks made while a lookup runs wait for it to settle and then go in
 * the next lookup together. A burst of asks — a reconnect storm, a room's worth of joins — costs a
 * few queries, not one each, and every ask is answered by a lookup started after it was made.
 * A lookup that takes longer than `overlapAfterMs` lets the next one start anyway (a stuck query
 * does not hold every later ask). A failed lookup fails every ask of its batch.
 */
export function batchPerTurn<K, V>(lookup: (keys: K[]) => Promise<Map<K, V>>, options: { overlapAfterMs?: number } = {}): (key: K) => Promise<V | undefined> {
  type Waiter = { resolve: (value: V | undefined) => void; reject: (error: unknown) => void };
  const overlapAfterMs = options.overlapAfterMs ?? 1000;
  let queued: Map<K, Waiter[]> | null = null;
  /** Settles when the running lookup does, or when it has run `overlapAfterMs`; null when none runs. */
  let running: Promise<void> | null = null;

  const run = (batch: Map<K, Waiter[]>) => {
    let overlapTimer: NodeJS.Timeout | undefined;
    const settled = lookup([...batch.keys()]).then(
      (found) => batch.forEach((waiters, asked) => waiters.forEach((waiter) => waiter.resolve(found.get(asked)))),
      (error: unknown) => batch.forEach((waiters) => waiters.forEach((waiter) => waiter.reject(error))),
    );
    const turn: Promise<void> = Promise.race([settled, new Promise<void>((resolve) => (overlapTimer = setTimeout(resolve, overlapAfterMs)))]).then(() => {
      clearTimeout(overlapTimer);
      if (running === turn) running = null;
    });
    running = turn;
  };

  const startWhenFree = (batch: Map<K, Waiter[]>) => {
    const start = () => {
      if (running) return void running.then(() => setImmediate(start));
      queued = null;
      run(batch);
    };
    setImmediate(start);
  };

  return (key) =>
    new Promise((resolve, reject) => {
      if (!queued) {
        queued = new Map<K, Waiter[]>();
        startWhenFree(queued);
      }
      queued.set(key, [...(queued.get(key) ?? []), { resolve, reject }]);
    });
}
