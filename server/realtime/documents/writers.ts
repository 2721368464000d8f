import { errors } from '../../../shared/errors.ts';
import type { Database } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import { batchPerTurn } from '../../infra/batchPerTurn.ts';
import { undecided } from './access.ts';
import { assertDocumentRoom, isEmptyUpdate, readYjsUpdate, withoutClients, type ClockRange, type DocumentLimitConfig, type SignedContent } from './limits.ts';
import type { LiveDocument } from './liveDocument.ts';
import { claimDocumentClients, readDocumentClientOwners } from './persistence.ts';

/** Per document: claims of client ids, gathered (see `batchPerTurn`) while one claim round runs. */
const claimers = new WeakMap<LiveDocument, (clientId: number, userId: string) => Promise<string | undefined>>();

/**
 * The claimer of a document. Every update of a client the document does not know yet needs its
 * claim; a room of panelists who all start typing at once would otherwise send one claim per
 * update (each client's next updates arrive before its first claim is answered) and pile up
 * queries faster than the database answers them. Here all pending client ids go in one round, and
 * an id answered by the previous round is not claimed again.
 */
function claimerOf(db: Database, live: LiveDocument) {
  let claimer = claimers.get(live);
  if (claimer) return claimer;
  /** Who asked first for each client id waiting for a round: the claim is theirs. */
  const askedBy = new Map<number, string>();
  const round = batchPerTurn(async (clientIds: number[]) => {
    const claims = clientIds.flatMap((clientId) => {
      const userId = askedBy.get(clientId);
      askedBy.delete(clientId);
      return userId && !live.writers.has(clientId) ? [{ clientId, userId }] : [];
    });
    const owners = await claimDocumentClients(db, live.id, claims);
    for (const [clientId, owner] of owners) live.writers.set(clientId, owner);
    return new Map(clientIds.map((clientId) => [clientId, live.writers.get(clientId)]));
  });
  claimer = (clientId, userId) => {
    if (!askedBy.has(clientId)) askedBy.set(clientId, userId);
    return round(clientId);
  };
  claimers.set(live, claimer);
  return claimer;
}

/** The client ids among `clients` that another user owns in this document, as known now. */
export function othersClients(live: LiveDocument, clients: Iterable<number>, userId: string): number[] {
  return [...clients].filter((clientId) => {
    const owner = live.writers.get(clientId);
    return owner !== undefined && owner !== userId;
  });
}

/** Per document: lookups of client ids' owners, gathered while one runs (see `batchPerTurn`). */
const learners = new WeakMap<LiveDocument, (clientId: number) => Promise<string | undefined>>();

/**
 * Learns from storage who owns those of `clients` this process does not know yet (claimed on
 * another process, say), so that checks made before claiming judge them by their real owner.
 */
export async function learnOwners(db: Database, logger: Pick<Logger, 'warn'>, live: LiveDocument, clients: Iterable<number>): Promise<void> {
  const unknown = [...clients].filter((clientId) => !live.writers.has(clientId));
  if (unknown.length === 0) return;
  let learn = learners.get(live);
  if (!learn) {
    // A room that starts typing at once asks about many new ids: a few queries, not one per update.
    learn = batchPerTurn(async (clientIds: number[]) => {
      const owners = await readDocumentClientOwners(db, live.id, clientIds.filter((clientId) => !live.writers.has(clientId)));
      for (const [clientId, owner] of owners) live.writers.set(clientId, owner);
      return owners;
    });
    learners.set(live, learn);
  }
  await Promise.all(unknown.map((clientId) => learn(clientId))).catch((error: unknown) => Promise.reject(undecided(error, logger, live.id)));
}

/**
 * Claims for `userId` every client id among `clients` that nobody owns in this document yet (the
 * first claim wins, across processes and restarts). Afterwards `live.writers` knows every owner.
 */
export async function claimClients(db: Database, logger: Pick<Logger, 'warn'>, live: LiveDocument, clients: Iterable<number>, userId: string): Promise<void> {
  const unclaimed = [...clients].filter((clientId) => !live.writers.has(clientId));
  if (unclaimed.length === 0) return;
  const claim = claimerOf(db, live);
  await Promise.all(unclaimed.map((clientId) => claim(clientId, userId))).catch((error: unknown) => Promise.reject(undecided(error, logger, live.id)));
}

/**
 * The update less whatever it writes under `foreign` client ids (Yjs takes client ids on trust: a
 * forged one would have its owner's next edits taken for duplicates); its deletions stay, as any
 * writer may delete. Null when nothing is left.
 */
export function withoutForeign(update: Uint8Array, foreign: readonly number[]): Uint8Array | null {
  if (foreign.length === 0) return update;
  const own = withoutClients(update, foreign);
  return isEmptyUpdate(own) ? null : own;
}

/**
 * Refuses a comment message (any JSON the update writes with an author) signed in another user's
 * name, among what the writer writes under client ids that are theirs or nobody's yet (content
 * under another user's id is left out anyway).
 */
export function assertSignedByWriter(live: LiveDocument, signed: readonly SignedContent[], user: { id: string; name: string }): void {
  for (const content of signed) {
    const owner = live.writers.get(content.client);
    if (owner !== undefined && owner !== user.id) continue;
    if (content.authorId !== user.id || content.authorName !== user.name) {
      throw errors.forbidden('A comment is signed by whoever writes it.');
    }
  }
}

/** The refusal of a live edit written under a Yjs client id another user owns in the document. */
export const writtenUnderAnotherId = () =>
  errors.forbidden("This edit is written under a Yjs client id another writer owns in this document; reload the worksheet to go on.", { reason: 'client_id_taken' });

/**
 * What of a writer's update goes in: all of it, or (a step 2 carrying others' edits the server
 * lacks) less what is written under other users' client ids; null when nothing is left. Refuses
 * a live edit under another user's id, a comment signed in someone else's name, and an update the
 * document has no room for. Every check that can refuse it comes before its client ids are
 * claimed, so a refused update changes nothing; they judge each id by its owner, learnt from
 * storage when this process lacks it. Ids nobody owns yet become the writer's. With what goes in
 * come the clocks it writes under each of the writer's ids (see `LiveDocument.submit`).
 */
export async function ownPartOf(
  context: { db: Database; logger: Pick<Logger, 'warn'>; config: DocumentLimitConfig },
  live: LiveDocument,
  update: Uint8Array,
  kind: 'update' | 'step2',
  user: { id: string; name: string },
): Promise<{ update: Uint8Array; clocks: Map<number, ClockRange> } | null> {
  const { db, logger, config } = context;
  const { clients, signed, clocks } = readYjsUpdate(update);
  await learnOwners(db, logger, live, clients);
  let foreign = othersClients(live, clients, user.id);
  if (kind === 'update' && foreign.length > 0) throw writtenUnderAnotherId();
  assertSignedByWriter(live, signed, user);
  let own = withoutForeign(update, foreign);
  if (own) assertDocumentRoom(config, live.storedBytes, own);
  await claimClients(db, logger, live, clients, user.id);
  // Someone else's claim of one of them won meanwhile (on this process or another).
  const lost = othersClients(live, clients, user.id);
  if (lost.length > foreign.length) {
    if (kind === 'update') throw writtenUnderAnotherId();
    foreign = lost;
    own = withoutForeign(update, foreign);
  }
  if (!own) return null;
  for (const client of foreign) clocks.delete(client);
  return { update: own, clocks };
}
