import * as Y from 'yjs';
import type { DocumentRef } from '../../../shared/realtime/documents.ts';
import { DocumentPresence } from './awareness.ts';
import { errors } from '../../../shared/errors.ts';
import { checkBatch, ClientClocks, clocksOf, gapInClocks } from './clientClocks.ts';
import { isEmptyUpdate, type ClockRange } from './limits.ts';
import type { DocumentOutlets } from './outlets.ts';
import { StoreRetries } from './storeRetries.ts';

interface PendingUpdate {
  update: Uint8Array;
  socketId: string;
  actorId: string;
  /** What it writes under each client id. */
  clocks: ReadonlyMap<number, ClockRange>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Marks updates the server applied itself, so nothing echoes them back. */
export const STORED_ORIGIN = Symbol('stored');

/** How long a socket taken out of the room is remembered as such: far longer than any update's checks take. */
const EVICTION_MEMORY_MS = 10 * 60_000;

/** A merge broadcast to the room and waiting to be stored, with the edits it acknowledges. */
interface UnstoredMerge {
  update: Uint8Array;
  batch: PendingUpdate[];
}

/**
 * One document held in memory by this process: its Y.Doc (only ever containing stored updates),
 * its presence, the sockets in its room, and the updates on their way to storage.
 *
 * Updates that arrive in the same event-loop turn are merged into one update (Y.mergeUpdates) and
 * broadcast once to the room at once, so propagation does not wait for the database. With
 * `batchMs` > 0, broadcasts of one document are also at least that far apart (fewer, larger
 * broadcasts: each costs one socket write per member of the room). Storage is a group commit: one
 * insert per document at a time, and the merges broadcast meanwhile are stored together as one
 * row by the next insert, so a busy room costs the database a few inserts a second, not one per
 * edit. Once a row is stored it is applied to the Y.Doc, and only then does each sender get its ack.
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
  /**
   * Sockets the hub took out of the room (access refused, or not confirmed) since they last joined:
   * an update of theirs still on its way goes nowhere. One that left on its own (a page closed,
   * navigation, a dropped connection) had its updates authorized already: those are still stored.
   */
  readonly evicted = new Map<string, number>();

  /** Marks a socket taken out; forgets those taken out long enough ago that nothing of theirs can still be on its way. */
  markEvicted(socketId: string): void {
    const now = performance.now();
    for (const [evictedId, at] of this.evicted) if (now - at > EVICTION_MEMORY_MS) this.evicted.delete(evictedId);
    this.evicted.set(socketId, now);
  }
  /**
   * Bytes stored (snapshot + log) plus those on their way, for the size limit: counted up from the
   * load with every edit here and every update relayed from another process. Compaction makes the
   * real number smaller, so at the limit the hub measures it again (`remeasured`).
   */
  storedBytes: number;
  /** When the hub last set `storedBytes` from a measurement of storage. */
  measuredAt = Number.NEGATIVE_INFINITY;
  /** Bytes submitted here and not yet stored (or refused). */
  private pendingBytes = 0;
  /** Updates stored since the last compaction was asked for. */
  sinceCompaction: number;
  idleTimer: NodeJS.Timeout | null = null;
  private readonly outlets: DocumentOutlets;
  private readonly batchMs: number;
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  private flushTimer: NodeJS.Timeout | null = null;
  private batch: PendingUpdate[] = [];
  /** Merges broadcast and not yet handed to storage (the next insert takes them all). */
  private toStore: UnstoredMerge[] = [];
  /** The insert under way, if any. */
  private storing: Promise<void> | null = null;
  /** Merged updates broadcast but not yet stored. */
  private readonly inFlight = new Set<Uint8Array>();
  /** Where each client's items end here: a live edit must start there at the latest (see `submit`). */
  private readonly clocks: ClientClocks;
  /** Merges broadcast whose insert failed, stored by the document itself with its next insert (see STORE_RETRY). */
  private readonly retries: StoreRetries;
  /** A retry of the failed merges is due: the store loop makes an insert even with no new edit. */
  private retryDue = false;
  /** Updates of sockets in the room still being checked (see `whileAdmitting`). */
  private admitting = 0;
  private destroyed = false;

  /** Who writes under which Yjs client id here (client id → user id), as stored in `document_clients`. */
  readonly writers: Map<number, string>;

  constructor(input: {
    id: string;
    ref: DocumentRef;
    doc: Y.Doc;
    storedBytes: number;
    logLength: number;
    outlets: DocumentOutlets;
    writers?: Map<number, string>;
    batchMs?: number;
    storeRetryMs?: number;
  }) {
    this.writers = input.writers ?? new Map();
    this.batchMs = input.batchMs ?? 0;
    this.id = input.id;
    this.ref = input.ref;
    this.doc = input.doc;
    this.storedBytes = input.storedBytes;
    this.sinceCompaction = input.logLength;
    this.outlets = input.outlets;
    this.clocks = new ClientClocks(this.doc);
    this.retries = new StoreRetries(() => {
      this.retryDue = true;
      this.startStoring();
    }, input.storeRetryMs);
    this.presence = new DocumentPresence(this.doc, ({ update, originSocketId, remote }) => {
      this.outlets.broadcastAwareness(this.id, update, originSocketId);
      if (!remote) this.outlets.relayAwareness(this.id, update);
    });
  }

  /**
   * Queues an update to go out with the next broadcast (end of this turn, or of the batch window);
   * resolves once stored. `clocks` are what it writes under each client id (`readYjsUpdate`; read
   * here when not given, as in tests). A live edit (`kind` 'update') whose items start past what
   * this document has of their client — stored, on its way to storage, or queued — builds on an
   * edit that never got here (refused, or turned back on its way in): stored and acked, it could
   * never show, and broadcast it would sit unapplied in every copy. It is refused as `unavailable`
   * (reason `gap`), which sends its writer back to join again and send what the server lacks, from
   * its state vector; a writer whose edit was refused for good has stopped sending by then. A step 2
   * is not checked: it is made from the server's own state vector, and may send back items the
   * server holds but cannot apply yet.
   */
  submit(update: Uint8Array, socketId: string, actorId: string, options: { clocks?: ReadonlyMap<number, ClockRange>; kind?: 'update' | 'step2' } = {}): Promise<void> {
    const clocks = options.clocks ?? clocksOf(update);
    if ((options.kind ?? 'update') === 'update' && this.clocks.leavesGap(clocks)) return Promise.reject(gapInClocks());
    // (Of a step 2, what leaves a gap goes in but does not count as had: a live edit after it is judged without it.)
    this.clocks.took(clocks);
    return new Promise((resolve, reject) => {
      if (this.batch.length === 0) this.scheduleFlush();
      this.batch.push({ update, socketId, actorId, clocks, resolve, reject });
      this.storedBytes += update.byteLength;
      this.pendingBytes += update.byteLength;
    });
  }

  /** Whether an update writing `clocks` would start past what this document has of one of its clients (see `submit`). */
  leavesGap(clocks: ReadonlyMap<number, ClockRange>): boolean {
    return this.clocks.leavesGap(clocks);
  }

  /** Runs `check` (an update's checks, before `submit`) with the document counted busy meanwhile: it is not unloaded under them. */
  async whileAdmitting<T>(check: () => Promise<T>): Promise<T> {
    this.admitting += 1;
    try {
      return await check();
    } finally {
      this.admitting -= 1;
    }
  }

  /** Applies an update that is already stored (a relay from another process); broadcasts it to every local socket. */
  applyStored(update: Uint8Array): void {
    this.storedBytes += update.byteLength;
    if (this.applySafely(update)) this.outlets.broadcast(this.id, update, null);
  }

  /**
   * Applies everything storage holds (`updates`, measuring `bytes`) that the Y.Doc lacks — relays
   * missed while the link between processes was down — and sends what was new to every local socket.
   */
  catchUp(updates: readonly Uint8Array[], bytes: number): void {
    const missed: Uint8Array[] = [];
    const collect = (update: Uint8Array) => missed.push(update);
    this.doc.on('update', collect);
    try {
      for (const update of updates) this.applySafely(update);
    } finally {
      this.doc.off('update', collect);
    }
    // A new count, but not a measurement that holds off the next one at the size limit: relays
    // applied while storage was read may be counted twice.
    this.storedBytes = bytes + this.pendingBytes;
    if (missed.length > 0) this.outlets.broadcast(this.id, Y.mergeUpdates(missed), null);
  }

  /** Applies a stored update to the Y.Doc; one that throws is reported, never thrown into the caller (a relay, the store loop). */
  private applySafely(update: Uint8Array): boolean {
    try {
      Y.applyUpdate(this.doc, update, STORED_ORIGIN);
      return true;
    } catch (error) {
      this.outlets.badUpdate(this.id, error);
      return false;
    }
  }

  /** Sets the size count from a measurement of what storage holds (plus what is still on its way here). */
  remeasured(storedBytes: number): void {
    this.storedBytes = storedBytes + this.pendingBytes;
    this.measuredAt = performance.now();
  }

  /** Updates broadcast to the room and not yet stored (a joiner needs them as well as the Y.Doc). */
  get unstored(): Uint8Array[] {
    return [...this.inFlight];
  }

  /**
   * True while updates are being checked for it or wait to be stored, senders' edits or merges the
   * document stores again after a failed insert: the document must not be unloaded.
   */
  get busy(): boolean {
    return this.admitting > 0 || this.batch.length > 0 || this.storing !== null || this.retries.pending;
  }

  /** Resolves when every queued update has been stored or refused (not waiting for the retries of failed inserts: see `storeAllBeforeClosing`). */
  async settle(): Promise<void> {
    while (this.batch.length > 0 || this.storing !== null) {
      if (this.batch.length > 0) this.flush();
      await this.storing;
    }
  }

  /**
   * The hub is closing: stores what is queued, then tries once more, now, the merges whose insert
   * failed; what fails again is given up and reported (only clients that hold it can send it again).
   */
  async storeAllBeforeClosing(): Promise<void> {
    this.retries.stop(false);
    await this.settle();
    if (this.retries.pending) {
      this.retryDue = true;
      this.startStoring();
      await this.settle();
    }
    if (!this.retries.pending) return;
    for (const merge of this.retries.take()) this.inFlight.delete(merge);
    this.outlets.storeAbandoned(this.id, this.retries.lastError);
  }

  /** Flushes at the end of this turn, or once `batchMs` have passed since the last flush. */
  private scheduleFlush(): void {
    const wait = this.lastFlushAt + this.batchMs - performance.now();
    if (wait <= 0) setImmediate(() => this.flush());
    else this.flushTimer = setTimeout(() => this.flush(), wait);
  }

  /** Broadcasts what arrived as one merge and hands it to storage. */
  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.batch.length === 0) return;
    const taken = this.batch;
    this.batch = [];
    this.lastFlushAt = performance.now();
    const { batch, merged } = this.applicable(taken);
    if (!merged) return;
    const senders = new Set(batch.map((pending) => pending.socketId));
    // A lone sender already has its edit; with several senders each lacks the others', so all get the merge.
    this.inFlight.add(merged);
    this.outlets.broadcast(this.id, merged, senders.size === 1 ? batch[0]!.socketId : null);
    this.toStore.push({ update: merged, batch });
    this.startStoring();
  }

  /** The batch's merge and the entries it holds, once it is known to apply (see `checkBatch`); the others are refused. */
  private applicable(taken: PendingUpdate[]): { batch: PendingUpdate[]; merged: Uint8Array | null } {
    const { good, merged, refused } = checkBatch(taken);
    for (const { entry, error } of refused) {
      // What its copy writes after it builds on it: a live edit that does is refused as a gap.
      this.clocks.refused(entry.clocks);
      this.storedBytes -= entry.update.byteLength;
      this.pendingBytes -= entry.update.byteLength;
      entry.reject(error);
    }
    return { batch: good, merged };
  }

  private startStoring(): void {
    if (this.storing) return;
    this.storing = this.storeQueued().finally(() => {
      this.storing = null;
      if (this.toStore.length > 0 || this.retryDue) this.startStoring();
    });
  }

  /**
   * Stores the queued merges, all of them as one row per insert, until none is left. An insert also
   * carries the merges whose insert failed before (see STORE_RETRY), less what storage has of them
   * by then (their senders' resends, say): what the room saw before an edit is stored with it or
   * before it, never after it.
   */
  private async storeQueued(): Promise<void> {
    while (this.toStore.length > 0 || this.retryDue) {
      this.retryDue = false;
      let group = this.toStore;
      this.toStore = [];
      const split = this.mergeOrSplit(group.map((merge) => merge.update));
      if (split.rest > 0) {
        // Each merge was checked before its broadcast; should several not merge, they go one by one
        // (a throw here would leave their senders without an answer).
        this.toStore = group.slice(1);
        group = group.slice(0, 1);
      }
      let merged = split.merged;
      let carried = this.retries.take();
      if (carried.length > 0) {
        const withCarried = this.mergeOrSplit([...carried, ...(merged ? [merged] : [])]);
        if (withCarried.rest === 0) merged = withCarried.merged;
        else {
          // Should they not merge (a bug, reported), the edits go alone, or with none, one carried merge.
          this.retries.putBack(merged ? carried : carried.slice(1));
          carried = merged ? [] : carried.slice(0, 1);
          merged ??= carried[0]!;
        }
        // Less what storage has of them by now.
        if (carried.length > 0) merged = Y.diffUpdate(merged!, Y.encodeStateVector(this.doc));
      }
      if (!merged) continue; // a retry fell due with nothing left to store
      const pending = group.flatMap((merge) => merge.batch);
      const bytes = pending.reduce((total, entry) => total + entry.update.byteLength, 0);
      // Less what storage has, the carried merges may hold nothing new (their senders resent them).
      const nothingNew = carried.length > 0 && isEmptyUpdate(merged);
      if (!nothingNew) {
        const actors = new Set(pending.map((entry) => entry.actorId));
        try {
          await this.outlets.store(this.id, merged, actors.size === 1 && carried.length === 0 ? pending[0]!.actorId : null);
        } catch (error) {
          this.storedBytes -= bytes;
          this.pendingBytes -= bytes;
          pending.forEach((entry) => entry.reject(error));
          // Still in flight (joiners get them) until stored by the document itself: as the one
          // update just tried, so that an outage's resends and new edits do not pile up as merges
          // to merge again at every try.
          for (const merge of carried) this.inFlight.delete(merge);
          for (const merge of group) this.inFlight.delete(merge.update);
          this.inFlight.add(merged);
          this.retries.failed([merged], error);
          continue;
        }
        this.sinceCompaction += 1;
      }
      this.retries.stored();
      this.pendingBytes -= bytes;
      // What the carried merges added (their bytes left the count when their insert failed).
      if (carried.length > 0) this.storedBytes += Math.max(0, merged.byteLength - bytes);
      for (const merge of carried) this.inFlight.delete(merge);
      for (const merge of group) this.inFlight.delete(merge.update);
      // Stored is durable: the senders get their acks even if applying failed (then reported).
      if (!this.destroyed && !nothingNew) this.applySafely(merged);
      pending.forEach((entry) => entry.resolve());
    }
  }

  /** The merge of `updates`; should they not merge (a bug, reported), the first alone and how many are left out. */
  private mergeOrSplit(updates: Uint8Array[]): { merged: Uint8Array | null; rest: number } {
    if (updates.length <= 1) return { merged: updates[0] ?? null, rest: 0 };
    try {
      return { merged: Y.mergeUpdates(updates), rest: 0 };
    } catch (error) {
      this.outlets.badUpdate(this.id, error);
      return { merged: updates[0]!, rest: updates.length - 1 };
    }
  }

  /**
   * Drops the document. Edits still waiting for their turn are refused (`unavailable`: their senders
   * send them again); merges whose insert failed and that are still unstored are given up.
   */
  destroy(): void {
    this.destroyed = true;
    this.retries.stop(true);
    const waiting = this.batch;
    this.batch = [];
    for (const pending of waiting) pending.reject(errors.unavailable('The worksheet was closed before this edit was stored; it will be sent again.'));
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.presence.destroy();
    this.doc.destroy();
  }
}
