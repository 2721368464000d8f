/**
 * Runs `run` with a deadline: past `ms` the returned promise rejects with `refusal()`, while `run`
 * goes on in the background (a query cannot be called back) and sees `expired()` turn true, so it
 * can stop before acting on an answer nobody waits for any more. What `run` settles with after the
 * deadline is dropped. `ms` 0: no deadline.
 */
export function withDeadline<T>(ms: number, run: (expired: () => boolean) => Promise<T>, refusal: () => Error): Promise<T> {
  if (ms === 0) return run(() => false);
  let expired = false;
  let timer: NodeJS.Timeout | undefined;
  const running = run(() => expired);
  running.catch(() => {}); // past the deadline nobody awaits it
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      expired = true;
      reject(refusal());
    }, ms);
  });
  return Promise.race([running, deadline]).finally(() => clearTimeout(timer));
}
