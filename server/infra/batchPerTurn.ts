/**
 * Answers every ask made in the same event-loop turn with one lookup of all their keys (run on the
 * next turn): a burst of asks — a reconnect storm, a room's worth of joins — costs one query, not
 * one each. A failed lookup fails every ask of its batch.
 */
export function batchPerTurn<K, V>(lookup: (keys: K[]) => Promise<Map<K, V>>): (key: K) => Promise<V | undefined> {
  type Waiter = { resolve: (value: V | undefined) => void; reject: (error: unknown) => void };
  let queued: Map<K, Waiter[]> | null = null;
  return (key) =>
    new Promise((resolve, reject) => {
      if (!queued) {
        const batch = new Map<K, Waiter[]>();
        queued = batch;
        setImmediate(() => {
          queued = null;
          lookup([...batch.keys()]).then(
            (found) => batch.forEach((waiters, asked) => waiters.forEach((waiter) => waiter.resolve(found.get(asked)))),
            (error: unknown) => batch.forEach((waiters) => waiters.forEach((waiter) => waiter.reject(error))),
          );
        });
      }
      queued.set(key, [...(queued.get(key) ?? []), { resolve, reject }]);
    });
}
