import * as Y from 'yjs';
import { errors } from '../../../shared/errors.ts';
import { appliesToEmptyDocument, unappliableUpdate, type ClockRange } from './limits.ts';

/** The refusal of a live edit that builds on an edit of its client the document never took (see `ClientClocks`). */
export const gapInClocks = () =>
  errors.unavailable('An earlier edit of yours has not reached the server; your copy joins again and sends what the server lacks.', { reason: 'gap' });

/** The clocks an update writes under each client id, read leniently (what does not decode is refused when its batch is checked). */
export function clocksOf(update: Uint8Array): Map<number, ClockRange> {
  try {
    const { from, to } = Y.parseUpdateMeta(update);
    return new Map([...from].map(([client, clock]) => [client, { from: clock, to: to.get(client) ?? clock }]));
  } catch {
    return new Map();
  }
}

/**
 * Where each client's items end in a live document: in its Y.Doc (stored, including items stored
 * that still wait for others) or in the updates it took and has not stored yet (queued, on their
 * way to storage). A live edit whose items start further on builds on an edit the document never
 * took (refused, or turned back on its way in): stored and acked, it could never show, and
 * broadcast it would sit unapplied in every copy.
 */
export class ClientClocks {
  private readonly doc: Y.Doc;
  /** Per client id, past the last item of the updates taken (queued, on their way, stored). */
  private readonly next = new Map<number, number>();

  constructor(doc: Y.Doc) {
    this.doc = doc;
  }

  /** Whether an update writing `clocks` would leave a gap after what the document has of one of its clients. */
  leavesGap(clocks: ReadonlyMap<number, ClockRange>): boolean {
    for (const [client, { from }] of clocks) if (this.startsPastKnown(client, from)) return true;
    return false;
  }

  /** An update writing `clocks` was taken: its clients' next items may follow it (but for a client it left a gap after, a step 2's). */
  took(clocks: ReadonlyMap<number, ClockRange>): void {
    for (const [client, { from, to }] of clocks) {
      if (to > (this.next.get(client) ?? 0) && !this.startsPastKnown(client, from)) this.next.set(client, to);
    }
  }

  /** An update writing `clocks` was refused after it was taken: what its copy wrote after it leaves a gap. */
  refused(clocks: ReadonlyMap<number, ClockRange>): void {
    for (const [client, { from }] of clocks) this.next.set(client, Math.min(this.next.get(client) ?? from, from));
  }

  private startsPastKnown(client: number, from: number): boolean {
    if (from <= Math.max(Y.getState(this.doc.store, client), this.next.get(client) ?? 0)) return false;
    // Items of that client stored but still waiting for others, in the Y.Doc's pending structs (kept in Yjs's V2 encoding), count too.
    const pending = this.doc.store.pendingStructs;
    return !pending || from > (Y.parseUpdateMetaV2(pending.update).to.get(client) ?? 0);
  }
}

/**
 * A batch of updates that arrived together, as it may go out: their merge once it is known to apply
 * (to an empty document), so that nothing that would break a Y.Doc reaches the room or storage.
 * When the merge does not apply, each update is checked alone, in the order they came: one that
 * does not apply is refused (validation_failed), and so is what came after it under the same
 * client id (a gap: it builds on the refused one); the rest go ahead.
 */
export function checkBatch<Entry extends { update: Uint8Array; clocks: ReadonlyMap<number, ClockRange> }>(
  batch: Entry[],
): { good: Entry[]; merged: Uint8Array | null; refused: { entry: Entry; error: Error }[] } {
  const merge = (entries: Entry[]) => {
    try {
      return entries.length === 1 ? entries[0]!.update : Y.mergeUpdates(entries.map((entry) => entry.update));
    } catch {
      return null;
    }
  };
  const merged = merge(batch);
  if (merged && appliesToEmptyDocument(merged)) return { good: batch, merged, refused: [] };
  const good: Entry[] = [];
  const refused: { entry: Entry; error: Error }[] = [];
  const broken = new Set<number>();
  for (const entry of batch) {
    const clients = [...entry.clocks.keys()];
    const continuesRefused = clients.some((client) => broken.has(client));
    if (batch.length > 1 && !continuesRefused && appliesToEmptyDocument(entry.update)) {
      good.push(entry);
      continue;
    }
    refused.push({ entry, error: continuesRefused ? gapInClocks() : unappliableUpdate() });
    clients.forEach((client) => broken.add(client));
  }
  const remerged = good.length > 0 ? merge(good) : null;
  if (remerged && appliesToEmptyDocument(remerged)) return { good, merged: remerged, refused };
  return { good: [], merged: null, refused: [...refused, ...good.map((entry) => ({ entry, error: unappliableUpdate() }))] };
}
