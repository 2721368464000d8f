import type { Database } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import type { LiveDocument } from './liveDocument.ts';
import { loadStoredDocument } from './persistence.ts';
import { withDeadline } from '../../infra/deadline.ts';
import { serialRetry } from './serialRetry.ts';

/** A catch-up that could not read storage is tried again after this long, doubling up to the maximum. */
const CATCH_UP_RETRY_MS = { firstMs: 1_000, maxMs: 60_000 };

/** What a catch-up needs of the hub whose documents it catches up. */
export interface CatchUpHost {
  /** Resolves once the documents being read from storage now are loaded (or failed to). */
  loadsSettled: () => Promise<unknown>;
  /** The documents held now. */
  held: () => LiveDocument[];
  /** Whether `live` is still held (not unloaded meanwhile) by a hub that is not closing. */
  stillHeld: (live: LiveDocument) => boolean;
  /** Re-checks access of every local socket in an evaluation's documents (see DocumentHub.recheckAccess). */
  recheckAccess: (evaluationId: string) => Promise<number>;
}

/**
 * After a break in the relay between processes (Redis restarted, a connection dropped), access
 * changes and stored updates of other processes may have been missed: every document held re-checks
 * its sockets' access, then reads storage again and sends what it lacked to the sockets still in
 * its room. One catch-up runs at a time; asked for during one, another follows it (the running one
 * may have read storage too early). One that could not read storage is tried again, after 1 s, then
 * 2 s, … up to a minute.
 */
export function documentCatchUp(host: CatchUpHost, db: Database, logger: Pick<Logger, 'warn'>, readTimeoutMs = 0) {
  const once = async (): Promise<{ failed: boolean }> => {
    await host.loadsSettled();
    const held = host.held();
    // Access first, for every document at once: a socket that lost it must not receive what it missed.
    const evaluationIds = [...new Set(held.map((live) => live.ref.evaluationId))];
    const rechecks = await Promise.allSettled(evaluationIds.map((evaluationId) => host.recheckAccess(evaluationId)));
    let failed = false;
    rechecks.forEach((outcome, index) => {
      if (outcome.status === 'fulfilled') return;
      failed = true;
      logger.warn({ err: outcome.reason, evaluationId: evaluationIds[index] }, 'could not re-check document access after a relay break');
    });
    for (const live of held) {
      if (!host.stillHeld(live)) continue;
      try {
        // Bounded like every read of a document (DOC_STORE_TIMEOUT_MS): one that hangs is retried with the catch-up.
        const stored = await withDeadline(readTimeoutMs, () => loadStoredDocument(db, live.id), () => new Error('the read did not answer in time'));
        if (host.stillHeld(live)) live.catchUp(stored.updates, stored.bytes);
      } catch (error) {
        failed = true;
        logger.warn({ err: error, documentId: live.id }, 'could not catch up on a document after a relay break');
      }
    }
    return { failed };
  };
  return serialRetry(once, CATCH_UP_RETRY_MS);
}
