import type { AppContext } from '../context.ts';
import type { Tx } from '../db/client.ts';

/** Work to do once the transaction has committed: live pushes, job enqueues. */
export interface AfterCommit {
  push: (effect: () => Promise<void> | void) => void;
}

/**
 * Runs `work` in one transaction, then its after-commit effects. An effect that fails is logged,
 * never undoes the commit: jobs left `queued` are re-enqueued by the job reconciler.
 */
export async function inTransaction<T>(app: AppContext, work: (tx: Tx, after: AfterCommit) => Promise<T>): Promise<T> {
  const effects: (() => Promise<void> | void)[] = [];
  const result = await app.db.transaction((tx) => work(tx, { push: (effect) => effects.push(effect) }));
  for (const effect of effects) {
    try {
      await effect();
    } catch (error) {
      app.logger.error({ err: error }, 'after-commit effect failed');
    }
  }
  return result;
}
