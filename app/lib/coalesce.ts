/**
 * Wraps a loader so that calls made while it runs collapse into one more run afterwards: a burst
 * of live events costs at most two requests, and the last answer always reflects the last event.
 */
export function coalesce(load: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await load();
      } while (again);
    })().finally(() => {
      running = null;
    });
    return running;
  };
}
