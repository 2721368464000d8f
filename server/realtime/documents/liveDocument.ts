import * as Y from 'yjs';
import type { DocumentRef } from '../../../shared/realtime/documents.ts';
import { DocumentPresence } from './awareness.ts';

/** Where a live document's stored updates go, and how they reach its room. */
export interface DocumentOutlets {
  /** Makes the (possibly merged) update durable; rejects when it could not be stored. */
  store: (documentId: string, update: Uint8Array, actorId: string | null) => Promise<void>;
  /** Sends a stored update to this process's sockets in the room, except `exceptSocketId`. */
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
 * its presence, the sockets in its room, and the batch of updates waiting to be stored.
 *
 * Updates that arrive in the same event-loop turn are merged into one update (Y.mergeUpdates),
 * stored as one row, applied and broadcast once, and then each sender gets its ack. Nothing is
 * applied or broadcast before it is stored.
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
  private batch: PendingUpdate[] = [];
  private readonly flushing = new Set<Promise<void>>();

  constructor(input: { id: string; ref: DocumentRef; doc: Y.Doc; storedBytes: number; logLength: number; outlets: DocumentOutlets }) {
    this.id = input.id;
    this.ref = input.ref;
    this.doc = input.doc;
    this.storedBytes = input.storedBytes;
    this.sinceCompaction = input.logLength;
    this.outlets = input.outlets;
    this.presence = new DocumentPresence(this.doc, (update, origin) => this.outlets.broadcastAwareness(this.id, update, origin));
  }

  /** Queues an update for storage with the others of this turn; resolves once stored and broadcast. */
  submit(update: Uint8Array, socketId: string, actorId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.batch.length === 0) setImmediate(() => this.flush());
      this.batch.push({ update, socketId, actorId, resolve, reject });
      this.storedBytes += update.byteLength;
    });
  }

  /** Applies an update that is already stored (a relay from another process); broadcasts it to every local socket. */
  applyStored(update: Uint8Array): void {
    Y.applyUpdate(this.doc, update, STORED_ORIGIN);
    this.outlets.broadcast(this.id, update, null);
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

  private flush(): void {
    const batch = this.batch;
    if (batch.length === 0) return;
    this.batch = [];
    const work = this.store(batch).finally(() => this.flushing.delete(work));
    this.flushing.add(work);
  }

  private async store(batch: PendingUpdate[]): Promise<void> {
    const merged = batch.length === 1 ? batch[0]!.update : Y.mergeUpdates(batch.map((pending) => pending.update));
    const senders = new Set(batch.map((pending) => pending.socketId));
    const actors = new Set(batch.map((pending) => pending.actorId));
    try {
      await this.outlets.store(this.id, merged, actors.size === 1 ? batch[0]!.actorId : null);
    } catch (error) {
      this.storedBytes -= batch.reduce((total, pending) => total + pending.update.byteLength, 0);
      batch.forEach((pending) => pending.reject(error));
      return;
    }
    this.sinceCompaction += 1;
    Y.applyUpdate(this.doc, merged, STORED_ORIGIN);
    // A lone sender already has its edit; with several senders each lacks the others', so all get the merge.
    this.outlets.broadcast(this.id, merged, senders.size === 1 ? batch[0]!.socketId : null);
    batch.forEach((pending) => pending.resolve());
  }

  destroy(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.presence.destroy();
    this.doc.destroy();
  }
}
