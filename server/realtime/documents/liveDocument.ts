import * as Y from 'yjs';
import type { DocumentRef } from '../../../shared/realtime/documents.ts';
import { DocumentPresence } from './awareness.ts';

/** Where a live document's stored updates go, and how they reach its room. */
export interface DocumentOutlets {
  /** Makes the (possibly merged) update durable; rejects when it could not be stored. */
  store: (documentId: string, update: Uint8Array, actorId: string | null) => Promise<void>;
  /** Sends an update to this process's sockets in the room, except `exceptSocketId`. */
  broadcast: (documentId: string, update: Uint8Array, exceptSocketId: string | null) => void;
  /** Sends a presence change to this process's sockets in the room, except `exceptSocketId`. */
  broadcastAwareness: (documentId: string, update: Uint8Array, exceptSocketId: string | null) => void;
}

interface PendingUpdate {
  update: Uint8Array;
  socketId: string;
  actorId: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Marks updates the server applied itself, so nothing echoes them back. */
export const STORED_ORIGIN = Symbol('stored');

/**
 * One document held in memory by this process: its Y.Doc (only ever containing stored updates),
 * its presence, the sockets in its room, and the updates on their way to storage.
 *
 * Updates that arrive in the same event-loop turn are merged into one update (Y.mergeUpdates) and
 * broadcast once to the room at once, so propagation does not wait for the database. Broadcasts of
 * one document are at least `batchMs` apart: under load everything that arrived meanwhile goes out
 * as one merge, and since a broadcast costs one socket write per member of the room, fewer and
 * larger broadcasts are what lets one process serve a busy room (an idle room's first edit still
 * goes out at the end of its turn). The merge is then stored as one row, applied to the Y.Doc,
 * and only then does each sender get its ack.
 * Until stored, a merge is "in flight": joiners receive it too, but the state vector the server
 * reports covers stored updates only — so a client whose edit failed to store still sees the
 * server lacking it and sends it again, and no client is ever told "saved" for something that
 * a crash could lose.
 */
export class LiveDocument {
  readonly id: string;
  readonly ref: DocumentRef;
  readonly doc: Y.Doc;
  readonly presence: DocumentPresence;
  /** Socket id → the user behind it, for sockets in this document's room on this process. */
  readonly sockets = new Map<string, { userId: string }>();
  /** Stored bytes (snapshot + log), for the size limit; compaction makes the real number smaller. */
  storedBytes: number;
  /** Updates stored since the last compaction was asked for. */
  sinceCompaction: number;
  idleTimer: NodeJS.Timeout | null = null;
  private readonly outlets: DocumentOutlets;
  private readonly batchMs: number;
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  private flushTimer: NodeJS.Timeout | null = null;
  private batch: PendingUpdate[] = [];
  private readonly flushing = new Set<Promise<void>>();
  /** Merged updates broadcast but not yet stored. */
  private readonly inFlight = new Set<Uint8Array>();

  constructor(input: { id: string; ref: DocumentRef; doc: Y.Doc; storedBytes: number; logLength: number; outlets: DocumentOutlets; batchMs?: number }) {
    this.batchMs = input.batchMs ?? 0;
    this.id = input.id;
    this.ref = input.ref;
    this.doc = input.doc;
    this.storedBytes = input.storedBytes;
    this.sinceCompaction = input.logLength;
    this.outlets = input.outlets;
    this.presence = new DocumentPresence(this.doc, (update, origin) => this.outlets.broadcastAwareness(this.id, update, origin));
  }

  /** Queues an update to go out with the next broadcast (end of this turn, or of the batch window); resolves once stored. */
  submit(update: Uint8Array, socketId: string, actorId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.batch.length === 0) this.scheduleFlush();
      this.batch.push({ update, socketId, actorId, resolve, reject });
      this.storedBytes += update.byteLength;
    });
  }

  /** Applies an update that is already stored (a relay from another process); broadcasts it to every local socket. */
  applyStored(update: Uint8Array): void {
    Y.applyUpdate(this.doc, update, STORED_ORIGIN);
    this.outlets.broadcast(this.id, update, null);
  }

  /** Updates broadcast to the room and not yet stored (a joiner needs them as well as the Y.Doc). */
  get unstored(): Uint8Array[] {
    return [...this.inFlight];
  }

  /** True while updates wait to be stored: the document must not be unloaded. */
  get busy(): boolean {
    return this.batch.length > 0 || this.flushing.size > 0;
  }

  /** Resolves when every queued update has been stored (or refused). */
  async settle(): Promise<void> {
    while (this.busy) {
      if (this.batch.length > 0) this.flush();
      await Promise.allSettled([...this.flushing]);
    }
  }

  /** Flushes at the end of this turn, or once `batchMs` have passed since the last flush. */
  private scheduleFlush(): void {
    const wait = this.lastFlushAt + this.batchMs - performance.now();
    if (wait <= 0) setImmediate(() => this.flush());
    else this.flushTimer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const batch = this.batch;
    if (batch.length === 0) return;
    this.batch = [];
    this.lastFlushAt = performance.now();
    const work = this.store(batch).finally(() => this.flushing.delete(work));
    this.flushing.add(work);
  }

  private async store(batch: PendingUpdate[]): Promise<void> {
    const merged = batch.length === 1 ? batch[0]!.update : Y.mergeUpdates(batch.map((pending) => pending.update));
    const senders = new Set(batch.map((pending) => pending.socketId));
    const actors = new Set(batch.map((pending) => pending.actorId));
    // A lone sender already has its edit; with several senders each lacks the others', so all get the merge.
    this.inFlight.add(merged);
    this.outlets.broadcast(this.id, merged, senders.size === 1 ? batch[0]!.socketId : null);
    try {
      await this.outlets.store(this.id, merged, actors.size === 1 ? batch[0]!.actorId : null);
    } catch (error) {
      this.inFlight.delete(merged);
      this.storedBytes -= batch.reduce((total, pending) => total + pending.update.byteLength, 0);
      batch.forEach((pending) => pending.reject(error));
      return;
    }
    this.inFlight.delete(merged);
    this.sinceCompaction += 1;
    Y.applyUpdate(this.doc, merged, STORED_ORIGIN);
    batch.forEach((pending) => pending.resolve());
  }

  destroy(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.presence.destroy();
    this.doc.destroy();
  }
}
