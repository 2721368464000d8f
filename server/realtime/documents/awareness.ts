import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { applyAwarenessUpdate, Awareness, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import { errors } from '../../../shared/errors.ts';
import { presenceColour } from '../../../shared/worksheet.ts';

/**
 * Presence (y-protocols awareness): who is in the document, their colour and cursor. The server
 * keeps one Awareness per document, stamps each state with the sender's real identity (a client
 * cannot appear under another name), remembers which client ids belong to which socket, and clears
 * a socket's states when it leaves or disconnects.
 */

export interface PresenceIdentity {
  id: string;
  name: string;
}

interface AwarenessEntry {
  clientId: number;
  clock: number;
  state: string;
}

function decodeEntries(update: Uint8Array, maxStates = 64): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  if (count > maxStates) throw new Error('too many states');
  const entries: AwarenessEntry[] = [];
  for (let index = 0; index < count; index++) {
    entries.push({ clientId: decoding.readVarUint(decoder), clock: decoding.readVarUint(decoder), state: decoding.readVarString(decoder) });
  }
  if (decoding.hasContent(decoder)) throw new Error('trailing bytes');
  return entries;
}

function encodeEntries(entries: readonly AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(encoder, entry.clientId);
    encoding.writeVarUint(encoder, entry.clock);
    encoding.writeVarString(encoder, entry.state);
  }
  return encoding.toUint8Array(encoder);
}

/**
 * Checks a client's awareness update and rewrites its `user` field to the sender's identity and
 * colour. Throws `validation_failed` for anything that is not a well-formed awareness update.
 */
export function stampAwarenessUpdate(update: Uint8Array, who: PresenceIdentity): { update: Uint8Array; clientIds: number[] } {
  let entries: AwarenessEntry[];
  try {
    entries = decodeEntries(update);
  } catch (error) {
    throw errors.validation([{ path: 'update', message: `not an awareness update (${error instanceof Error ? error.message : 'undecodable'})` }]);
  }
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const entry of entries) {
    let state: unknown;
    try {
      state = JSON.parse(entry.state);
    } catch {
      throw errors.validation([{ path: 'update', message: 'awareness state is not JSON' }]);
    }
    if (state !== null && (typeof state !== 'object' || Array.isArray(state))) {
      throw errors.validation([{ path: 'update', message: 'awareness state must be an object or null' }]);
    }
    const stamped = state === null ? null : { ...state, user: { id: who.id, name: who.name, color: presenceColour(who.id) } };
    encoding.writeVarUint(encoder, entry.clientId);
    encoding.writeVarUint(encoder, entry.clock);
    encoding.writeVarString(encoder, JSON.stringify(stamped));
  }
  return { update: encoding.toUint8Array(encoder), clientIds: entries.map((entry) => entry.clientId) };
}

/** Client ids one socket may show in a document at once (a page shows one; a reloaded editor replaces it). */
export const PRESENCE_PER_SOCKET = 4;
/**
 * Different client ids one socket may show in a document between joining and leaving it (a page
 * shows one). Without a bound, a connection could set and clear fresh ids at the presence rate.
 */
export const PRESENCE_IDS_PER_CONNECTION = 32;
/** How long the clock of a presence that went away is kept (to refuse a late, older copy of it); then it is forgotten. */
export const PRESENCE_FORGET_MS = 30_000;
/** Presence changes a socket may make per second, sustained, and in a burst (see DocumentPresence.apply). */
export const PRESENCE_RATE = 20;
export const PRESENCE_BURST = 40;

interface PresenceBucket {
  tokens: number;
  at: number;
  /** The latest update that arrived over the rate, applied when the bucket allows. */
  waiting: { update: Uint8Array; clientIds: readonly number[] } | null;
  timer: NodeJS.Timeout | null;
}

/** Origin of changes relayed from another server process. */
const REMOTE = Symbol('remote presence');

/** A presence change: who to leave out locally (the socket it came from), and whether it came from another process. */
export interface PresenceChange {
  update: Uint8Array;
  originSocketId: string | null;
  remote: boolean;
}

/**
 * The presence of one document: the Awareness plus which socket owns which client ids. States of
 * users on other server processes arrive through `applyRemote`; they are owned by no local socket
 * and none may take them over.
 */
export class DocumentPresence {
  readonly awareness: Awareness;
  private readonly owners = new Map<number, string | typeof REMOTE>();
  /** The client ids each local socket owns (the same facts as `owners`, by socket). */
  private readonly claims = new Map<string, Set<number>>();
  private readonly buckets = new Map<string, PresenceBucket>();
  /** Every client id each local socket has shown here since it joined, for PRESENCE_IDS_PER_CONNECTION. */
  private readonly shown = new Map<string, Set<number>>();
  /** Client ids whose presence went away, and when: their clocks are forgotten after PRESENCE_FORGET_MS. */
  private readonly gone = new Map<number, number>();
  private forgetTimer: NodeJS.Timeout | null = null;

  constructor(doc: Y.Doc, onChange: (change: PresenceChange) => void) {
    this.awareness = new Awareness(doc);
    // The server is not a participant: it holds others' states only.
    this.awareness.setLocalState(null);
    this.awareness.on('update', ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
      const changed = [...added, ...updated, ...removed];
      for (const clientId of [...added, ...updated]) this.gone.delete(clientId);
      for (const clientId of removed) {
        this.disown(clientId);
        this.gone.set(clientId, performance.now());
      }
      if (removed.length > 0) this.forgetLater();
      onChange({
        update: encodeAwarenessUpdate(this.awareness, changed),
        originSocketId: typeof origin === 'string' ? origin : null,
        remote: origin === REMOTE,
      });
    });
  }

  /** Applies a change relayed from another process (already stamped there). */
  applyRemote(update: Uint8Array): void {
    let entries: AwarenessEntry[];
    try {
      // From a server process (a timeout there may remove a whole room's states at once).
      entries = decodeEntries(update, Number.POSITIVE_INFINITY);
    } catch {
      return;
    }
    // A presence a socket here owns is this process's to show or clear: the user moved here from the
    // process relaying it, which may still time out their old connection and relay its removal.
    const theirs = entries.filter(({ clientId }) => typeof this.owners.get(clientId) !== 'string');
    if (theirs.length === 0) return;
    for (const { clientId, state } of theirs) {
      if (this.owners.get(clientId) === undefined && state !== 'null') this.owners.set(clientId, REMOTE);
    }
    applyAwarenessUpdate(this.awareness, theirs.length === entries.length ? update : encodeEntries(theirs), REMOTE);
  }

  /**
   * Applies a socket's (stamped) update; refuses client ids another socket owns. A socket may change
   * its presence PRESENCE_RATE times a second (bursts of PRESENCE_BURST): beyond that its latest
   * update waits and goes out when allowed, replacing any that waited before (a presence update
   * carries the whole state), so a flood costs the room a few broadcasts a second and the last
   * cursor position still arrives. A presence shown through another process passes to a socket of
   * the same user here (they moved: that process stopped or lost them, and its copy lingers until it
   * expires), or to any socket once no state is shown under it.
   */
  apply(socketId: string, userId: string, update: Uint8Array, clientIds: readonly number[]): void {
    const movedHere: number[] = [];
    for (const clientId of clientIds) {
      const owner = this.owners.get(clientId);
      if (owner === REMOTE && this.remoteUserOf(clientId, userId) !== 'another') movedHere.push(clientId);
      else if (owner !== undefined && owner !== socketId) throw errors.forbidden('That presence belongs to another connection.');
      if (clientId === this.awareness.clientID) throw errors.forbidden('That presence belongs to the server.');
    }
    const claimed = this.claims.get(socketId);
    const fresh = clientIds.filter((clientId) => !claimed?.has(clientId));
    if ((claimed?.size ?? 0) + fresh.length > PRESENCE_PER_SOCKET) {
      throw errors.validation([{ path: 'update', message: `a connection may show at most ${PRESENCE_PER_SOCKET} presences in a document` }]);
    }
    const shown = this.shown.get(socketId);
    const unseen = clientIds.filter((clientId) => !shown?.has(clientId));
    if ((shown?.size ?? 0) + unseen.length > PRESENCE_IDS_PER_CONNECTION) {
      throw errors.validation([{ path: 'update', message: `a connection may show at most ${PRESENCE_IDS_PER_CONNECTION} different presences in a document` }]);
    }
    // Taken over now, not when the update goes out: one that waits for its turn must not find it another's then.
    if (movedHere.length > 0) this.own(socketId, movedHere);
    const bucket = this.refilled(socketId);
    if (bucket.tokens >= 1 && !bucket.waiting) {
      bucket.tokens -= 1;
      this.applyNow(socketId, update, clientIds);
      return;
    }
    bucket.waiting = { update, clientIds };
    bucket.timer ??= setTimeout(() => this.applyWaiting(socketId), ((1 - bucket.tokens) / PRESENCE_RATE) * 1000);
  }

  /** Whose presence another process shows under `clientId`: theirs (by user id), none shown, or another user's. */
  private remoteUserOf(clientId: number, userId: string): 'none' | 'same' | 'another' {
    const state = this.awareness.getStates().get(clientId) as { user?: { id?: unknown } } | undefined;
    if (!state) return 'none';
    return state.user?.id === userId ? 'same' : 'another';
  }

  /** Records client ids as the socket's (cleared with its presence when it leaves). */
  private own(socketId: string, clientIds: readonly number[]): void {
    let claimed = this.claims.get(socketId);
    if (!claimed) this.claims.set(socketId, (claimed = new Set()));
    let shown = this.shown.get(socketId);
    if (!shown) this.shown.set(socketId, (shown = new Set()));
    for (const clientId of clientIds) {
      this.owners.set(clientId, socketId);
      claimed.add(clientId);
      shown.add(clientId);
    }
  }

  private applyNow(socketId: string, update: Uint8Array, clientIds: readonly number[]): void {
    this.own(socketId, clientIds);
    applyAwarenessUpdate(this.awareness, update, socketId);
  }

  /**
   * Forgets, PRESENCE_FORGET_MS after it went away, the clock of a presence that did not come back.
   * y-protocols keeps every clock it ever saw (to refuse a late, older copy of a state); a room that
   * runs for days would otherwise remember every page anyone ever opened in it.
   */
  private forgetLater(): void {
    if (this.forgetTimer) return;
    this.forgetTimer = setTimeout(() => {
      this.forgetTimer = null;
      const now = performance.now();
      for (const [clientId, at] of this.gone) {
        if (now - at < PRESENCE_FORGET_MS) continue;
        this.gone.delete(clientId);
        if (!this.awareness.getStates().has(clientId)) this.awareness.meta.delete(clientId);
      }
      if (this.gone.size > 0) this.forgetLater();
    }, PRESENCE_FORGET_MS);
    this.forgetTimer.unref();
  }

  private disown(clientId: number): void {
    const owner = this.owners.get(clientId);
    this.owners.delete(clientId);
    if (typeof owner === 'string') this.claims.get(owner)?.delete(clientId);
  }

  private refilled(socketId: string): PresenceBucket {
    const now = performance.now();
    let bucket = this.buckets.get(socketId);
    if (!bucket) {
      bucket = { tokens: PRESENCE_BURST, at: now, waiting: null, timer: null };
      this.buckets.set(socketId, bucket);
    }
    bucket.tokens = Math.min(PRESENCE_BURST, bucket.tokens + ((now - bucket.at) / 1000) * PRESENCE_RATE);
    bucket.at = now;
    return bucket;
  }

  private applyWaiting(socketId: string): void {
    const bucket = this.buckets.get(socketId);
    if (!bucket) return;
    bucket.timer = null;
    const waiting = bucket.waiting;
    bucket.waiting = null;
    if (!waiting) return;
    this.refilled(socketId).tokens -= 1;
    // Ownership was checked when it arrived; a client id another socket took meanwhile stays theirs.
    if (waiting.clientIds.some((clientId) => (this.owners.get(clientId) ?? socketId) !== socketId)) return;
    this.applyNow(socketId, waiting.update, waiting.clientIds);
  }

  /** The states of this process's sockets (for another process that just loaded the document), or null if none. */
  encodeLocal(): Uint8Array | null {
    const clientIds = [...this.owners].filter(([clientId, owner]) => owner !== REMOTE && this.awareness.getStates().has(clientId)).map(([clientId]) => clientId);
    return clientIds.length > 0 ? encodeAwarenessUpdate(this.awareness, clientIds) : null;
  }

  /** Every state known, for a joining client. */
  encodeAll(): Uint8Array {
    return encodeAwarenessUpdate(this.awareness, [...this.awareness.getStates().keys()]);
  }

  /** Removes every state a socket set (it left or disconnected); the change is broadcast like any other. */
  removeSocket(socketId: string): void {
    const bucket = this.buckets.get(socketId);
    if (bucket?.timer) clearTimeout(bucket.timer);
    this.buckets.delete(socketId);
    this.shown.delete(socketId);
    const clientIds = [...(this.claims.get(socketId) ?? [])].filter((clientId) => this.owners.get(clientId) === socketId);
    this.claims.delete(socketId);
    for (const clientId of clientIds) this.owners.delete(clientId);
    if (clientIds.length > 0) removeAwarenessStates(this.awareness, clientIds, null);
  }

  /** How many presence clocks this document remembers (states shown now, and those gone less than PRESENCE_FORGET_MS ago). */
  get rememberedClocks(): number {
    return this.awareness.meta.size;
  }

  destroy(): void {
    if (this.forgetTimer) clearTimeout(this.forgetTimer);
    for (const bucket of this.buckets.values()) if (bucket.timer) clearTimeout(bucket.timer);
    this.buckets.clear();
    this.awareness.destroy();
  }
}
