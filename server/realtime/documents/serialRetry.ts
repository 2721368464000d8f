/**
 * Runs `work` one at a time: asked for while it runs, it runs once more afterwards (however often
 * it was asked meanwhile, since the running one may have started too early). A run that reports
 * failure is tried again after `firstMs`, doubling up to `maxMs`; a success resets the wait.
 */
export function serialRetry(work: () => Promise<{ failed: boolean }>, options: { firstMs: number; maxMs: number }) {
  let running: Promise<void> | null = null;
  let next: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let delayMs = options.firstMs;
  let closed = false;

  const once = async (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = null;
    const { failed } = await work();
    if (!failed) {
      delayMs = options.firstMs;
    } else if (!closed) {
      timer = setTimeout(() => void request(), delayMs);
      timer.unref();
      delayMs = Math.min(delayMs * 2, options.maxMs);
    }
  };
  const request = (): Promise<void> => {
    if (closed) return Promise.resolve();
    if (!running) {
      running = once().finally(() => (running = null));
      return running;
    }
    next ??= running.then(() => {
      next = null;
      return request();
    });
    return next;
  };
  return {
    request,
    close: () => {
      closed = true;
      if (timer) clearTimeout(timer);
    },
  };
}
