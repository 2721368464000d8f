import * as Y from 'yjs';
import { errors } from '../../../shared/errors.ts';
import type { Database } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import { undecided } from './access.ts';
import { withoutClients, type SignedContent } from './limits.ts';
import type { LiveDocument } from './liveDocument.ts';
import { claimDocumentClients } from './persistence.ts';

/**
 * The update less whatever it writes under another user's Yjs client id (Yjs takes client ids on
 * trust: a forged one would have its owner's next edits taken for duplicates). A client id nobody
 * owns in this document yet becomes the writer's (the first claim wins, across processes). A
 * client's step 2 legitimately carries others' edits it received and the server lacks: those are
 * left for their authors (or the server's own retry) to store. Null when nothing is left.
 */
export async function ownWritesOnly(
  db: Database,
  logger: Pick<Logger, 'warn'>,
  live: LiveDocument,
  update: Uint8Array,
  clients: Set<number>,
  userId: string,
): Promise<Uint8Array | null> {
  const unclaimed = [...clients].filter((clientId) => !live.writers.has(clientId));
  if (unclaimed.length > 0) {
    const owners = await claimDocumentClients(db, live.id, unclaimed, userId).catch((error: unknown) => Promise.reject(undecided(error, logger, live.id)));
    for (const [clientId, owner] of owners) live.writers.set(clientId, owner);
  }
  const foreign = [...clients].filter((clientId) => live.writers.get(clientId) !== userId);
  if (foreign.length === 0) return update;
  const own = withoutClients(update, foreign);
  const { structs, ds } = Y.decodeUpdate(own);
  return structs.length > 0 || ds.clients.size > 0 ? own : null;
}

/**
 * Refuses a comment message (any JSON the update writes with an author) signed in another user's
 * name, among what the writer writes under their own client ids (the rest is left out anyway).
 */
export function assertSignedByWriter(live: LiveDocument, signed: readonly SignedContent[], user: { id: string; name: string }): void {
  for (const content of signed) {
    if (live.writers.get(content.client) !== user.id) continue;
    if (content.authorId !== user.id || content.authorName !== user.name) {
      throw errors.forbidden('A comment is signed by whoever writes it.');
    }
  }
}
