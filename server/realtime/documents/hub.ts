import type { Socket } from 'socket.io';
import { AppError, errors } from '../../../shared/errors.ts';
import { can, type EvaluationSubject } from '../../../shared/policies/index.ts';
import { documentLimits, parseDocumentId, worksheetDocumentId, type DocJoinResult } from '../../../shared/realtime/documents.ts';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/client.ts';
import { withDeadline } from '../../infra/deadline.ts';
import { inOrderPerKey } from '../../infra/inOrderPerKey.ts';
import type { Logger } from '../../logger.ts';
import type { SocketData } from '../auth.ts';
import type { QuorumIo } from '../notifier.ts';
import { rooms } from '../rooms.ts';
import { authorizeDocument, authorizeDocumentWrite, createSubjectLoader, isAccessRefusal, tooSlow, undecided, type SubjectLoader } from './access.ts';
import { stampAwarenessUpdate } from './awareness.ts';
import { assertAwarenessSize, assertUpdateSize } from './limits.ts';
import type { LiveDocument } from './liveDocument.ts';
import { documentCatchUp } from './catchUp.ts';
import { DocumentLoads } from './loading.ts';
import { measureStoredBytes } from './persistence.ts';
import { documentOutlets } from './outlets.ts';
import type { DocumentRelay } from './relay.ts';
import { answerSyncStep1, assertStateVector } from './sync.ts';
import { claimClients, othersClients, ownPartOf } from './writers.ts';

export interface DocumentHubOptions {
  io: QuorumIo;
  db: Database;
  logger: Logger;
  config: Pick<Config, 'DOC_MAX_UPDATE_BYTES' | 'DOC_MAX_BYTES' | 'DOC_MAX_CONNECTIONS_PER_USER' | 'DOC_IDLE_UNLOAD_MS' | 'DOC_COMPACT_EVERY' | 'DOC_ACCESS_TTL_MS' | 'DOC_BATCH_MS' | 'DOC_STORE_TIMEOUT_MS'>;
  /** Asks for a compaction job (after DOC_COMPACT_EVERY stored updates, and on unload). */
  requestCompaction: (documentId: string) => Promise<void>;
  /** Tells the other server processes (stored updates, presence, access re-checks). */
  relay: Pick<DocumentRelay, 'send'>;
}

const socketData = (socket: Socket) => socket.data as SocketData;

/** How long the checks of a socket's update may run before its next update's start anyway (see `admit`). */
const ADMIT_WAIT_MS = 5_000;

/** At the size limit a document's stored size is measured again, at most this often. */
const REMEASURE_AFTER_MS = 5_000;

/** The refusal of an update whose checks did not answer within DOC_STORE_TIMEOUT_MS (its client sends it again). */
/** The refusal of a join or an edit that reaches a hub already closing (its client sends it again after reconnecting). */
const shuttingDown = () => errors.unavailable('The server is shutting down; this is sent again once you reconnect.');

/**
 * The collaborative documents this process holds in memory, and the one way in for sockets:
 * join (sync steps 1 and 2), update (store → apply → broadcast → ack), awareness, leave. A stored
 * update from elsewhere (a relay from another process) enters through `applyStoredUpdate`.
 */
export class DocumentHub {
  readonly subjects: SubjectLoader;
  private readonly options: DocumentHubOptions;
  private readonly documents = new Map<string, LiveDocument>();
  private readonly loads: DocumentLoads;
  private closed = false;
  /** Admits each socket's updates to a document one after another (see `update`, ADMIT_WAIT_MS). */
  private readonly inOrder = inOrderPerKey(ADMIT_WAIT_MS);
  private readonly catchUps: ReturnType<typeof documentCatchUp>;

  constructor(options: DocumentHubOptions) {
    this.options = options;
    this.subjects = createSubjectLoader(options.db, options.config.DOC_ACCESS_TTL_MS);
    this.loads = new DocumentLoads({ db: options.db, logger: options.logger, outlets: documentOutlets(options), config: options.config });
    this.catchUps = documentCatchUp(
      {
        loadsSettled: () => this.loads.settled(),
        held: () => [...this.documents.values()],
        stillHeld: (live) => !this.closed && this.documents.get(live.id) === live,
        recheckAccess: (evaluationId) => this.recheckAccess(evaluationId),
      },
      options.db,
      options.logger,
      options.config.DOC_STORE_TIMEOUT_MS,
    );
  }

  /** Documents held in memory now (for tests and metrics). */
  get loadedIds(): string[] {
    return [...this.documents.keys()];
  }

  /** Documents being read from storage now (for tests and metrics). */
  get loadingIds(): string[] {
    return this.loads.ids;
  }

  /** The live document a socket has joined, or a refusal. */
  joined(socket: Socket, documentId: string): LiveDocument {
    const live = this.documents.get(documentId);
    if (!live || !live.sockets.has(socket.id)) throw errors.badRequest('Join the document before sending to it.', { reason: 'not_joined' });
    return live;
  }

  /** Sync step 1 from the client → step 2 (what it lacks) plus our state vector, after `worksheet.read`. */
  /** Joins a socket to a document; one the database does not let decide within DOC_STORE_TIMEOUT_MS is refused as `unavailable`. */
  join(socket: Socket, documentId: string, clientStateVector: Uint8Array | undefined, clientId?: number): Promise<DocJoinResult> {
    const join = (expired: () => boolean) => this.joinChecked(socket, documentId, clientStateVector, clientId, expired);
    return withDeadline(this.options.config.DOC_STORE_TIMEOUT_MS, join, () => tooSlow(this.options.logger, documentId, 'join'));
  }

  private async joinChecked(socket: Socket, documentId: string, clientStateVector: Uint8Array | undefined, clientId: number | undefined, expired: () => boolean): Promise<DocJoinResult> {
    const ref = parseDocumentId(documentId);
    if (!ref) throw errors.notFound('Document');
    assertStateVector(clientStateVector);
    if (this.closed) throw shuttingDown();
    const actor = socketData(socket).session.user;
    let subject: EvaluationSubject;
    let live: LiveDocument | undefined;
    for (;;) {
      // Access changed (seat removed, conflict declared, phase) while we loaded? Then the re-check
      // that followed found no socket of ours to take out: decide again on fresh facts.
      const generation = this.subjects.generation(ref.evaluationId);
      subject = await authorizeDocument(this.subjects, actor, ref, 'worksheet.read').catch((error: unknown) => {
        // Refused: out of the room if it was in. Undecided (the database did not answer): the client asks again.
        if (isAccessRefusal(error)) this.evict(socket, documentId);
        if (live) this.unloadIfUnused(live);
        throw undecided(error, this.options.logger, documentId);
      });
      try {
        live = await this.open(documentId);
        // An idle unload may have dropped it while we waited: open it again.
        while (this.documents.get(documentId) !== live) live = await this.open(documentId);
        // A writer's client id is theirs before their presence shows it to the room.
        if (clientId !== undefined && can(actor, 'worksheet.write', subject)) {
          await claimClients(this.options.db, this.options.logger, live, [clientId], actor.id);
          if (this.documents.get(documentId) !== live) continue;
        }
      } catch (error) {
        if (live) this.unloadIfUnused(live);
        throw undecided(error, this.options.logger, documentId);
      }
      if (this.subjects.generation(ref.evaluationId) === generation) break;
    }
    if (!socket.connected || expired()) {
      this.unloadIfUnused(live);
      throw errors.badRequest('The connection closed, or the join was refused as too slow, meanwhile.');
    }
    const canWrite = can(actor, 'worksheet.write', subject);
    if (canWrite && clientId !== undefined && othersClients(live, [clientId], actor.id).length > 0) {
      this.unloadIfUnused(live);
      throw errors.conflict('Another writer owns this Yjs client id in the document: pick another and join again.', { reason: 'client_id_taken' });
    }
    // From here to the answer nothing awaits: every update stored later is broadcast to this socket.
    let answer: DocJoinResult;
    try {
      answer = answerSyncStep1(live, clientStateVector, canWrite, this.options.config.DOC_MAX_UPDATE_BYTES);
    } catch (error) {
      this.unloadIfUnused(live);
      throw error;
    }
    if (live.idleTimer) clearTimeout(live.idleTimer);
    live.idleTimer = null;
    live.evicted.delete(socket.id);
    live.sockets.set(socket.id, { userId: actor.id });
    void socket.join(rooms.document(documentId));
    return answer;
  }

  /**
   * Stores one client update and acks only after it is durable; write access is re-checked for every
   * update. A live edit (`update`) must be written under the sender's own client ids; a step 2 may
   * also carry others' edits the server lacks, which are left to their authors. One socket's updates
   * reach the document in the order they came, each after the checks of the one before: each may
   * continue the one before (see `LiveDocument.submit`), while the checks take varying time (a
   * database round trip for fresh access facts, a size measurement, a writer lookup).
   */
  async update(socket: Socket, documentId: string, update: Uint8Array, kind: 'update' | 'step2' = 'update'): Promise<void> {
    assertUpdateSize(this.options.config, update);
    // Joined when it arrived: an update queued behind another is still taken if its page leaves meanwhile.
    const live = this.joined(socket, documentId);
    // Checks that have not answered within the insert's time limit (a connection gone half-open) refuse
    // the update, sent again, instead of holding it and the socket's next ones for good.
    const checked = (previous: Promise<void>) => withDeadline(this.options.config.DOC_STORE_TIMEOUT_MS, (expired) => this.admit(socket, live, update, kind, previous, expired), () => tooSlow(this.options.logger, documentId, 'update'));
    const admitted = await live.whileAdmitting(() => this.inOrder(`${socket.id} ${documentId}`, checked));
    if (!admitted) return;
    await admitted.stored.catch((error: unknown) => {
      if (error instanceof AppError) throw error;
      this.options.logger.error({ err: error, documentId }, 'could not store document update');
      throw errors.unavailable('The update could not be saved; it will be sent again.');
    });
    if (admitted.live.sinceCompaction >= this.options.config.DOC_COMPACT_EVERY) {
      admitted.live.sinceCompaction = 0;
      this.compact(documentId);
    }
  }

  /**
   * Checks an update and queues it in its document: `stored` settles once it is stored or refused;
   * null when nothing of it is the writer's. `previous` settles once the socket's update before it
   * is queued or refused: one that went ahead of it (its checks hung) and would leave a gap waits for it.
   */
  private async admit(socket: Socket, live: LiveDocument, update: Uint8Array, kind: 'update' | 'step2', previous: Promise<void>, expired: () => boolean): Promise<{ live: LiveDocument; stored: Promise<void> } | null> {
    const { id: documentId } = live;
    const { evaluationId } = live.ref;
    let generation: number;
    do {
      // Access changed while we awaited (a re-check invalidated the facts)? Decide again on fresh ones.
      generation = this.subjects.generation(evaluationId);
      await authorizeDocumentWrite(this.subjects, socketData(socket).session.user, live.ref, { logger: this.options.logger, documentId, evict: (refusal) => this.evict(socket, documentId, refusal) });
      if (live.storedBytes + update.byteLength > this.options.config.DOC_MAX_BYTES && performance.now() - live.measuredAt > REMEASURE_AFTER_MS) {
        // The count only grows (edits here, relays from other processes); compaction may have made
        // the stored document smaller. Measure before refusing.
        live.remeasured(await measureStoredBytes(this.options.db, documentId).catch((error: unknown) => Promise.reject(undecided(error, this.options.logger, documentId))));
      }
    } while (this.subjects.generation(evaluationId) !== generation);
    const { user } = socketData(socket).session;
    const own = await ownPartOf(this.options, live, update, kind, user);
    // Nothing of its own (a step 2 carrying only others' edits, which are theirs to send): done.
    if (!own) return this.stillTaking(socket, live);
    // Went ahead of the update before it, whose checks hung, and builds on it: not before it is in.
    if (kind === 'update' && live.leavesGap(own.clocks)) await previous;
    this.stillTaking(socket, live);
    // Refused already (the checks ran past their deadline): nothing of it goes in.
    if (expired()) throw errors.unavailable('The update could not be checked in time; it will be sent again.');
    const stored = live.submit(own.update, socket.id, user.id, { clocks: own.clocks, kind });
    stored.catch(() => {}); // handled by `update`, a few turns later
    return { live, stored };
  }

  /** Refuses an update whose socket or document changed while its checks ran; null otherwise. */
  private stillTaking(socket: Socket, live: LiveDocument): null {
    // Taken out meanwhile (a seat removed, say)? Nothing goes in: `doc.revoked` told the client why.
    // (Left on its own meanwhile, the page closed say: its edit was authorized and is stored.)
    if (live.evicted.has(socket.id)) throw errors.unavailable('This update arrived as you were taken out of the document.');
    // Unloaded meanwhile (it cannot be while an update is being checked; kept as a guard): join again and resend.
    if (this.documents.get(live.id) !== live) throw errors.unavailable('The worksheet was closed meanwhile; it will be sent again.');
    // The server is shutting down: what it stores now is what it settles before it stops.
    if (this.closed) throw shuttingDown();
    return null;
  }

  /** Applies a socket's presence update (stamped with its identity) and relays it to the room. */
  awareness(socket: Socket, documentId: string, update: Uint8Array): void {
    assertAwarenessSize(update, documentLimits.maxAwarenessBytes);
    const live = this.joined(socket, documentId);
    const { user } = socketData(socket).session;
    const stamped = stampAwarenessUpdate(update, { id: user.id, name: user.name });
    live.presence.apply(socket.id, user.id, stamped.update, stamped.clientIds);
  }

  /** Takes a socket out of a document: room, presence, and (if it was the last) starts the idle clock. */
  leave(socket: Socket, documentId: string): void {
    void socket.leave(rooms.document(documentId));
    const live = this.documents.get(documentId);
    if (live) this.dropSocket(live, socket.id);
  }

  /** A socket disconnected: it leaves every document it was in. */
  leaveAll(socket: Socket): void {
    for (const live of this.documents.values()) if (live.sockets.has(socket.id)) this.leave(socket, live.id);
  }

  /**
   * Re-checks, against fresh database facts, every local socket in an evaluation's documents; those
   * that may no longer read are removed from the room at once and told why. Call after a seat is
   * removed, a conflict declared or the phase changed. Returns how many sockets were removed.
   */
  async recheckAccess(evaluationId: string): Promise<number> {
    this.subjects.invalidate(evaluationId);
    const documentId = worksheetDocumentId(evaluationId);
    const live = this.documents.get(documentId);
    if (!live || live.sockets.size === 0) return 0;
    let subject: EvaluationSubject | null;
    try {
      subject = await this.subjects.load(evaluationId);
    } catch (error) {
      // Undecided: nobody goes on receiving the document on facts that may be stale. Every socket
      // leaves the room for now and is told to join again; the join decides once the database answers.
      for (const socketId of [...live.sockets.keys()]) {
        const socket = this.options.io.sockets.sockets.get(socketId);
        if (socket) this.evict(socket, documentId, errors.unavailable('Access to the worksheet could not be confirmed; joining again.'));
        else this.dropSocket(live, socketId);
      }
      throw error;
    }
    let removed = 0;
    for (const socketId of [...live.sockets.keys()]) {
      const socket = this.options.io.sockets.sockets.get(socketId);
      if (socket && subject && can(socketData(socket).session.user, 'worksheet.read', subject)) continue;
      if (socket) this.evict(socket, documentId);
      else this.dropSocket(live, socketId);
      removed += 1;
    }
    return removed;
  }

  /** Re-checks access on every server process: this one now, the others through the document relay. */
  async recheckAccessEverywhere(evaluationId: string): Promise<number> {
    this.options.relay.send({ type: 'recheck', evaluationId });
    return this.recheckAccess(evaluationId);
  }

  /** Catches up after a break in the relay between processes (see `documentCatchUp`). */
  catchUp(): Promise<void> {
    return this.catchUps.request();
  }

  /** Applies a presence change relayed from another process and sends it to local sockets in the room. */
  applyRemotePresence(documentId: string, update: Uint8Array): void {
    this.documents.get(documentId)?.presence.applyRemote(update);
  }

  /** Another process just loaded a document: if it is held here, the presence of its sockets here goes there. */
  answerPresenceRequest(documentId: string): void {
    const update = this.documents.get(documentId)?.presence.encodeLocal();
    if (update) this.options.relay.send({ type: 'presence', documentId, update });
  }

  /** Applies an update already stored by another process and broadcasts it to local sockets. */
  applyStoredUpdate(documentId: string, update: Uint8Array): void {
    const live = this.documents.get(documentId);
    if (live) return live.applyStored(update);
    // Not loaded: the next load reads it from storage. Loading: the read may have missed it.
    this.loads.relayed(documentId, update);
  }

  /** Stores what is queued, asks for compaction of every loaded document, and drops them all. */
  async close(): Promise<void> {
    this.closed = true;
    this.catchUps.close();
    await this.loads.settled();
    const all = [...this.documents.values()];
    await Promise.allSettled(all.map((live) => live.storeAllBeforeClosing()));
    for (const live of all) this.unload(live);
  }

  /** Takes a socket (gone, or leaving) out of a document's bookkeeping: its presence goes too. */
  private dropSocket(live: LiveDocument, socketId: string): void {
    if (!live.sockets.delete(socketId)) return;
    live.presence.removeSocket(socketId);
    if (live.sockets.size === 0) this.scheduleUnload(live);
  }

  private evict(socket: Socket, documentId: string, cause?: unknown): void {
    const live = this.documents.get(documentId);
    const wasIn = live?.sockets.has(socket.id) ?? false;
    this.leave(socket, documentId);
    if (!wasIn) return;
    live!.markEvicted(socket.id);
    // Only our own errors' messages reach the client (never a database error's).
    const message = cause instanceof AppError ? cause.message : 'You no longer have access to this document.';
    const code = cause instanceof AppError && cause.code === 'unavailable' ? 'unavailable' : 'forbidden';
    socket.emit('doc.revoked', { documentId, code, message });
  }

  private async open(documentId: string): Promise<LiveDocument> {
    // Closing: documents are being stored and dropped, and one loaded now would never be.
    if (this.closed) throw shuttingDown();
    const loaded = this.documents.get(documentId);
    if (loaded) return loaded;
    const ref = parseDocumentId(documentId);
    if (!ref) throw errors.notFound('Document');
    return this.loads.load(documentId, ref, (live) => {
      this.documents.set(documentId, live);
      // Who is in it on other processes, now rather than at their next change or renewal.
      this.options.relay.send({ type: 'presence-request', documentId });
    });
  }

  /** A join that opened a document failed before the socket was in: nobody may hold it open forever. */
  private unloadIfUnused(live: LiveDocument): void {
    if (live.sockets.size === 0 && !live.idleTimer) this.scheduleUnload(live);
  }

  private scheduleUnload(live: LiveDocument): void {
    if (live.idleTimer) clearTimeout(live.idleTimer);
    live.idleTimer = setTimeout(() => {
      live.idleTimer = null;
      void live.settle().then(() => {
        if (live.sockets.size > 0 || this.documents.get(live.id) !== live) return;
        // Merges it stores again after a failed insert keep it loaded (the room may have built on
        // them): look again later.
        if (live.busy) this.scheduleUnload(live);
        else this.unload(live);
      });
    }, this.options.config.DOC_IDLE_UNLOAD_MS);
    live.idleTimer.unref();
  }

  private unload(live: LiveDocument): void {
    if (this.documents.get(live.id) !== live) return;
    this.documents.delete(live.id);
    this.subjects.forget(live.ref.evaluationId);
    const changed = live.sinceCompaction > 0;
    live.destroy();
    if (changed) this.compact(live.id);
  }

  private compact(documentId: string): void {
    this.options.requestCompaction(documentId).catch((error: unknown) =>
      this.options.logger.warn({ err: error, documentId }, 'could not enqueue document compaction'),
    );
  }
}
