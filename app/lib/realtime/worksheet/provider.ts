import type { Socket } from 'socket.io-client';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { applyAwarenessUpdate, Awareness, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import { readSyncMessage, writeSyncStep1 } from 'y-protocols/sync';
import * as Y from 'yjs';
import { isTransient, type ErrorBody } from '../../../../shared/errors.ts';
import { documentLimits, toBytes, toWire, type DocAwarenessEvent, type DocRevokedEvent, type DocUpdateEvent } from '../../../../shared/realtime/documents.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../../../../shared/realtime/events.ts';
import { splitStep2 } from '../../../../shared/realtime/splitStep2.ts';
import { encodeSyncStep2, encodeSyncUpdate, readSyncMessageBytes } from '../../../../shared/realtime/syncMessages.ts';

export type SaveStatus = 'saved' | 'saving' | 'offline' | 'refused';
export type DocumentSocket = Socket<ServerToClientEvents, ClientToServerEvents>;


/** A new random Yjs client id (uint32, as Yjs makes them). */
function freshClientId(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

/** The refusal of an update sent while the server had us out of the document. */
function isNotJoined(error: ErrorBody): boolean {
  return (error.details as { reason?: unknown } | undefined)?.reason === 'not_joined';
}

/** The join refusal telling that another writer owns our client id. */
function isClientIdTaken(error: ErrorBody): boolean {
  return error.code === 'conflict' && (error.details as { reason?: unknown } | undefined)?.reason === 'client_id_taken';
}

interface Unacked {
  update: Uint8Array;
  inFlight: boolean;
}

/**
 * Binds a Y.Doc to the server over Socket.IO (plain TypeScript, so Node tests drive the same code
 * as the browser), speaking the y-protocols sync protocol. On every (re)connect it joins with sync
 * step 1 (its state vector), applies the server's step 2 (what it lacked), and answers the server's
 * step 1 with its own step 2 (what the server lacks) — which covers every unacknowledged edit,
 * since Yjs updates are idempotent. Each local edit goes out as an update message with a
 * clientUpdateId and counts as unsaved until the server acks it (after storing it).
 */
export class DocumentProvider {
  readonly doc: Y.Doc;
  readonly awareness: Awareness;
  readonly documentId: string;
  canWrite = false;
  /** True once the first join has been answered. */
  synced = false;
  /** The last refusal from the server, for the page to show. */
  lastError: ErrorBody | null = null;
  /** Set when the server took this client out of the document. */
  revoked: DocRevokedEvent | null = null;
  /** True when an edit was refused for good: the local document holds something the server never will. */
  diverged = false;
  /** The refusal that made this copy diverge (what the page names, whatever is refused after it). */
  divergedBy: ErrorBody | null = null;
  private readonly socket: DocumentSocket;
  private readonly unacked = new Map<string, Unacked>();
  private readonly listeners = new Set<() => void>();
  private readonly prefix = Math.random().toString(36).slice(2, 10);
  private counter = 0;
  /** The largest update the server takes (from the join): a larger step 2 goes in pieces. */
  private maxUpdateBytes: number = documentLimits.maxUpdateBytes;
  private joined = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private destroyed = false;

  constructor(socket: DocumentSocket, documentId: string, doc: Y.Doc = new Y.Doc()) {
    this.socket = socket;
    this.documentId = documentId;
    this.doc = doc;
    this.awareness = new Awareness(doc);
    doc.on('update', this.onLocalUpdate);
    this.awareness.on('update', this.onLocalAwareness);
    this.awareness.on('update', this.forgetGonePresence);
    socket.on('connect', this.join);
    socket.on('disconnect', this.onDisconnect);
    socket.on('doc.update', this.onRemoteUpdate);
    socket.on('doc.awareness', this.onRemoteAwareness);
    socket.on('doc.revoked', this.onRevoked);
    if (socket.connected) this.join();
  }

  /**
   * refused: an edit was refused for good, so this copy holds something the server never will (until
   * the page reloads the saved worksheet); offline: not connected to the document; saving: edits wait
   * for their ack; saved: everything acked.
   */
  get status(): SaveStatus {
    if (this.diverged) return 'refused';
    if (!this.joined || !this.socket.connected) return 'offline';
    return this.unacked.size > 0 ? 'saving' : 'saved';
  }

  /** Edits not yet acknowledged by the server. */
  get unsavedCount(): number {
    return this.unacked.size;
  }

  /**
   * Edits that would be lost if the page went away now: those not on their way to the server (offline,
   * or waiting for a join). One already sent is stored even if the page leaves before its ack.
   */
  get unsentCount(): number {
    if (!this.socket.connected) return this.unacked.size;
    let unsent = 0;
    for (const entry of this.unacked.values()) if (!entry.inFlight) unsent += 1;
    return unsent;
  }

  /** Calls `listener` whenever status, access or errors change; returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Leaves the document, clears our presence and stops listening. */
  destroy(): void {
    if (this.destroyed) return;
    removeAwarenessStates(this.awareness, [this.awareness.clientID], 'local');
    this.destroyed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.joined && this.socket.connected) this.socket.emit('doc.leave', { documentId: this.documentId }, () => {});
    this.joined = false;
    this.doc.off('update', this.onLocalUpdate);
    this.awareness.off('update', this.onLocalAwareness);
    this.awareness.off('update', this.forgetGonePresence);
    this.socket.off('connect', this.join);
    this.socket.off('disconnect', this.onDisconnect);
    this.socket.off('doc.update', this.onRemoteUpdate);
    this.socket.off('doc.awareness', this.onRemoteAwareness);
    this.socket.off('doc.revoked', this.onRevoked);
    this.awareness.destroy();
    this.listeners.clear();
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  private readonly join = (): void => {
    if (this.destroyed || this.revoked) return;
    const step1 = encoding.createEncoder();
    writeSyncStep1(step1, this.doc);
    // A diverged copy writes nothing more: it joins to keep reading, without claiming a client id.
    const clientId = this.diverged ? undefined : this.doc.clientID;
    this.socket.emit('doc.join', { documentId: this.documentId, sync: toWire(encoding.toUint8Array(step1)), clientId }, (response) => {
      if (this.destroyed) return;
      if (!response.ok) {
        // Taken: with nothing written under it yet, join again at once under a fresh id. With edits
        // under it, this copy can neither save them nor read on (the room's edits under that id would
        // land on top of ours): it stops, and the page offers the saved worksheet.
        if (isClientIdTaken(response.error)) {
          if (this.takeFreshClientId()) return this.join();
          this.lastError = response.error;
          this.divergedBy ??= response.error;
          return this.changed();
        }
        this.lastError = response.error;
        if (response.error.code === 'forbidden' || response.error.code === 'not_found') {
          this.revoked = { documentId: this.documentId, code: 'forbidden', message: response.error.message };
        } else this.scheduleRejoin();
        return this.changed();
      }
      this.readSync(toBytes(response.data.sync));
      applyAwarenessUpdate(this.awareness, toBytes(response.data.awareness), this);
      this.canWrite = response.data.canWrite;
      this.maxUpdateBytes = response.data.maxUpdateBytes;
      this.joined = true;
      this.synced = true;
      const serverStep1 = readSyncMessageBytes(toBytes(response.data.serverSync));
      if (serverStep1?.type === 'step1') this.resync(serverStep1.stateVector);
      // Our presence again, under a new clock: the room's copy of our old one was dropped with our
      // last connection, and the same clock would be taken for news already seen.
      const local = this.awareness.getLocalState();
      if (local) this.awareness.setLocalState(local);
      this.changed();
    });
  };

  /**
   * Another writer owns our Yjs client id in this document (someone claimed it from our presence, or
   * a rare collision): with nothing written under it yet, take a fresh one, for the document and our
   * presence alike (true). With edits under it, they can never be stored: this copy has diverged (false).
   */
  private takeFreshClientId(): boolean {
    if (Y.getState(this.doc.store, this.doc.clientID) > 0) {
      this.diverged = true;
      return false;
    }
    const state = this.awareness.getLocalState();
    // The room hears that the old presence went; the new one goes out only with the join that
    // claims its id (not before: anyone could claim it from there).
    removeAwarenessStates(this.awareness, [this.awareness.clientID], 'local');
    this.joined = false;
    this.awareness.meta.delete(this.awareness.clientID);
    const fresh = freshClientId();
    this.doc.clientID = fresh;
    this.awareness.clientID = fresh;
    if (state) this.awareness.setLocalState(state);
    return true;
  }

  /** Sync step 2 from our side: send what the server's state vector lacks, in place of every unacked edit. */
  private resync(serverStateVector: Uint8Array): void {
    // Diverged: what the server lacks includes the refused edit (which may fit by now: compaction
    // made room, say) and what followed it; none of it goes, as the page says.
    if (this.diverged) {
      this.unacked.clear();
      return;
    }
    if (!this.canWrite) {
      // Read-only now: diverged only if this client wrote something the server does not have. (What
      // the server lacks of others' edits, e.g. broadcast and not yet stored, is theirs to send.)
      const ownClock = Y.getState(this.doc.store, this.doc.clientID);
      if (this.unacked.size > 0 || ownClock > (Y.decodeStateVector(serverStateVector).get(this.doc.clientID) ?? 0)) {
        this.diverged = true;
        this.divergedBy ??= { code: 'forbidden', message: 'You may no longer edit this worksheet, and your last edits may not have been saved.' };
      }
      this.unacked.clear();
      return;
    }
    const missing = Y.encodeStateAsUpdate(this.doc, serverStateVector);
    const hasContent = Y.decodeUpdate(missing).structs.length > 0;
    if (this.unacked.size === 0 && !hasContent) return;
    // The server has (from before a crash or a lost ack) whatever is not in `missing`: the old ids are
    // done. Too large for one update (a long offline session): the same, in pieces that fit.
    const pieces = splitStep2(this.doc, missing, serverStateVector, [...this.unacked.values()].map((entry) => entry.update), this.maxUpdateBytes);
    this.unacked.clear();
    // Each piece is a step 2 too: it may carry others' edits the server lacks (a live update may not).
    for (const piece of pieces) this.send(piece, 'step2');
  }

  /** Applies a sync step 2 or update message from the server (y-protocols' own reader). */
  private readSync(message: Uint8Array): void {
    readSyncMessage(decoding.createDecoder(message), encoding.createEncoder(), this.doc, this);
  }

  private readonly onLocalUpdate = (update: Uint8Array, origin: unknown): void => {
    // Diverged: a refused edit left a gap in this client's Yjs clocks, so nothing it writes after it
    // can ever apply, on the server or anywhere else (the page stops editing and offers the saved copy).
    if (origin === this || this.destroyed || this.diverged) return;
    this.send(update);
  };

  private send(update: Uint8Array, kind: 'update' | 'step2' = 'update'): void {
    const clientUpdateId = `${this.prefix}-${++this.counter}`;
    const entry: Unacked = { update, inFlight: false };
    this.unacked.set(clientUpdateId, entry);
    this.changed();
    // Offline (or not yet joined): the edit waits; the next join's resync carries it.
    if (!this.joined || !this.socket.connected) return;
    entry.inFlight = true;
    const sync = toWire(kind === 'step2' ? encodeSyncStep2(update) : encodeSyncUpdate(update));
    this.socket.emit('doc.update', { documentId: this.documentId, sync, clientUpdateId }, (response) => {
      entry.inFlight = false;
      if (this.destroyed || !this.unacked.has(clientUpdateId)) return;
      if (response.ok) {
        this.unacked.delete(clientUpdateId);
        return this.changed();
      }
      // Diverged already: what was sent after the refused edit is refused too (it builds on it, a
      // gap); the page goes on naming the refusal that counts.
      if (this.diverged) {
        this.unacked.delete(clientUpdateId);
        return this.changed();
      }
      this.lastError = response.error;
      // Not transient: retrying the same bytes cannot help; the edit is dropped and reported. (Sent
      // just as the server took us out of the room: the next join's resync carries it.)
      if (!isTransient(response.error.code) && !isNotJoined(response.error)) {
        this.unacked.delete(clientUpdateId);
        this.diverged = true;
        this.divergedBy ??= response.error;
        if (response.error.code === 'forbidden') this.canWrite = false;
      } else this.scheduleRejoin();
      this.changed();
    });
  }

  private scheduleRejoin(): void {
    if (this.retryTimer || this.destroyed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.socket.connected) this.join();
    }, 1_000);
  }

  private readonly onLocalAwareness = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown): void => {
    if (origin !== 'local' || !this.joined) return;
    this.sendAwareness([...added, ...updated, ...removed]);
  };

  private sendAwareness(clientIds: number[]): void {
    if (!this.socket.connected) return;
    const update = encodeAwarenessUpdate(this.awareness, clientIds);
    this.socket.emit('doc.awareness', { documentId: this.documentId, update: toWire(update) }, () => {});
  }

  private readonly onRemoteUpdate = (event: DocUpdateEvent): void => {
    if (event.documentId !== this.documentId || this.destroyed) return;
    this.readSync(toBytes(event.sync));
  };

  private readonly onRemoteAwareness = (event: DocAwarenessEvent): void => {
    if (event.documentId !== this.documentId || this.destroyed) return;
    applyAwarenessUpdate(this.awareness, toBytes(event.update), this);
  };

  /**
   * Forgets the clock of another's presence once it is gone: the server sends presence in order, so
   * there is no older copy to refuse, and y-protocols would otherwise keep one entry for every page
   * anyone ever opened in the room while this one stays open.
   */
  private readonly forgetGonePresence = ({ removed }: { removed: number[] }, origin: unknown): void => {
    if (origin !== this) return;
    for (const clientId of removed) if (clientId !== this.awareness.clientID) this.awareness.meta.delete(clientId);
  };

  private readonly onRevoked = (event: DocRevokedEvent): void => {
    if (event.documentId !== this.documentId) return;
    this.joined = false;
    this.dropRemotePresence();
    if (event.code === 'unavailable') {
      // Access could not be confirmed just now: join again (unsaved edits go with the resync).
      this.lastError = { code: 'unavailable', message: event.message };
      this.scheduleRejoin();
      return this.changed();
    }
    this.revoked = event;
    this.canWrite = false;
    this.changed();
  };

  private readonly onDisconnect = (): void => {
    this.joined = false;
    this.dropRemotePresence();
    this.changed();
  };

  /** Forgets everyone else's presence, clocks included: the next join's presence is taken as new. */
  private dropRemotePresence(): void {
    const others = [...this.awareness.getStates().keys()].filter((clientId) => clientId !== this.awareness.clientID);
    if (others.length > 0) removeAwarenessStates(this.awareness, others, this);
    for (const clientId of [...this.awareness.meta.keys()]) if (clientId !== this.awareness.clientID) this.awareness.meta.delete(clientId);
  }
}
