import * as Y from 'yjs';

/** One benchmark client, whatever server it talks to. */
export interface BenchClient {
  /** Resolves once the initial sync is done. */
  ready: Promise<void>;
  /** Sends one Yjs update; resolves when the server acknowledges it (Quorum: stored; Hocuspocus: applied). */
  send: (update: Uint8Array) => Promise<void>;
  close: () => void;
}

export interface ClientOptions {
  url: string;
  documentName: string;
  /** Called with every update the server broadcasts to this client; null: do not decode broadcasts. */
  onUpdate: ((update: Uint8Array) => void) | null;
}

/**
 * A sender's local document: only its own edits, so producing an update is cheap. Each writer
 * types at the end of its own paragraph (its own Y.Text), the way panelists type at their own
 * cursors in a synced document, so the server integrates each edit in constant time. (Two hundred
 * unsynced documents all inserting at one shared spot would make every insert scan all concurrent
 * ones: that measures Yjs's worst case, not the servers.) Each edit records the send time under
 * (clientID, clock) so receivers can measure propagation from the update's metadata without
 * applying it.
 */
export class Writer {
  readonly doc = new Y.Doc();
  readonly text: Y.Text;
  private pending: Uint8Array | null = null;

  constructor(paragraph: string) {
    this.text = this.doc.getText(paragraph);
    this.doc.on('update', (update: Uint8Array) => (this.pending = update));
  }

  edit(): { update: Uint8Array; clientId: number; clock: number } {
    const clock = Y.getState(this.doc.store, this.doc.clientID);
    this.text.insert(this.text.length, 'quorum! ');
    const update = this.pending!;
    this.pending = null;
    return { update, clientId: this.doc.clientID, clock };
  }
}

/** Send times by `clientID:clock`, shared by every client in the driver process. */
export class SendLog {
  private readonly sent = new Map<string, number>();

  record(clientId: number, clock: number, at: number): void {
    this.sent.set(`${clientId}:${clock}`, at);
  }

  /** Latencies (ms) of every recorded edit contained in a received update. */
  latencies(update: Uint8Array, now: number): number[] {
    const meta = Y.parseUpdateMeta(update);
    const result: number[] = [];
    for (const [clientId, to] of meta.to) {
      const from = meta.from.get(clientId) ?? 0;
      // Each edit is 8 characters, so its clocks are from, from + 8, …; look up each start.
      for (let clock = from; clock < to; clock += 8) {
        const at = this.sent.get(`${clientId}:${clock}`);
        if (at !== undefined) result.push(now - at);
      }
    }
    return result;
  }
}
