import * as Y from 'yjs';

/**
 * After a failed insert a document stores those merges itself, this long after (doubling up to the
 * maximum) and for as long as it is loaded: their senders were told to send them again, but one who
 * left never will, while the room already has them and may have built on them (an edit stored and
 * acked that sits next to one never stored would never show). A document with merges still to store
 * is busy: it is not unloaded, and closing the hub tries them once more.
 */
export const STORE_RETRY = { firstMs: 1_000, maxMs: 30_000 };

export interface StoreRetryHooks {
  /** Inserts an update with no sender to answer (rejects when it could not be stored). */
  store: (update: Uint8Array) => Promise<void>;
  /** What storage holds of the document, as its state vector (stored updates only). */
  storedStateVector: () => Uint8Array;
  /** `update`, holding what is left of `merges`, is stored (null: storage had all of them already). */
  stored: (merges: Uint8Array[], update: Uint8Array | null) => void;
  /** `merges` are given up (the hub closed and storage still refused them). */
  abandoned: (merges: Uint8Array[], error: unknown) => void;
  /** Merges that would not merge (each was checked before its broadcast: a bug to log). */
  badMerge: (error: unknown) => void;
}

/**
 * A document's merges whose insert failed, stored by the document itself (see STORE_RETRY). They go
 * as one update, less what storage has by then (their senders' resends, say): while storage refuses,
 * every rejoin of a writer resends its unsaved edits and they fail again, and kept as separate
 * entries they would pile up, one insert each every retry.
 */
export class StoreRetries {
  private readonly hooks: StoreRetryHooks;
  private readonly firstMs: number;
  private failed: Uint8Array[] = [];
  /** Failed inserts since the last success. */
  private attempts = 0;
  private timer: NodeJS.Timeout | null = null;
  /** The try under way, if any. */
  private trying: Promise<boolean> | null = null;
  private lastError: unknown = null;
  /** No more tries are scheduled (closing, or dropped). */
  private stopped = false;

  constructor(hooks: StoreRetryHooks, firstMs = STORE_RETRY.firstMs) {
    this.hooks = hooks;
    this.firstMs = firstMs;
  }

  /** True while merges wait to be stored or a try is under way. */
  get pending(): boolean {
    return this.failed.length > 0 || this.trying !== null;
  }

  /** Takes merges whose insert just failed with `error`. */
  add(merges: Uint8Array[], error: unknown): void {
    this.failed.push(...merges);
    this.lastError = error;
    if (this.timer || this.trying || this.stopped) return;
    this.attempts = 1;
    this.scheduleTry();
  }

  /** Tries once more, now, and gives up what fails again (the hub is closing); schedules nothing more. */
  async storeNow(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.trying) await this.trying;
    if (this.failed.length === 0 || (await this.tryOnce())) return;
    const given = this.failed;
    this.failed = [];
    this.hooks.abandoned(given, this.lastError);
  }

  /** Stops for good, without storing (the document is dropped). */
  drop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.failed = [];
  }

  private scheduleTry(): void {
    const delay = Math.min(this.firstMs * 2 ** (this.attempts - 1), STORE_RETRY.maxMs);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.stopped) return;
      void this.tryOnce().then((stored) => {
        if (this.stopped) return;
        // Stored, but more failed meanwhile: they go next, without waiting out a backoff.
        if (stored) this.attempts = 1;
        if (!stored || this.failed.length > 0) this.scheduleTry();
      });
    }, delay);
    this.timer.unref();
  }

  /** One insert of the failed merges: their merge, less what storage already has. True once stored (or nothing was left). */
  private tryOnce(): Promise<boolean> {
    const taken = this.failed;
    this.failed = [];
    let update: Uint8Array;
    try {
      update = Y.diffUpdate(taken.length === 1 ? taken[0]! : Y.mergeUpdates(taken), this.hooks.storedStateVector());
    } catch (error) {
      // Should they not merge, they go one by one.
      this.hooks.badMerge(error);
      this.failed = [...taken.slice(1), ...this.failed];
      taken.splice(1);
      update = taken[0]!;
    }
    const { structs, ds } = Y.decodeUpdate(update);
    if (structs.length === 0 && ds.clients.size === 0) {
      this.hooks.stored(taken, null);
      return Promise.resolve(true);
    }
    this.trying = this.hooks
      .store(update)
      .then(
        () => {
          this.hooks.stored(taken, update);
          return true;
        },
        (error: unknown) => {
          this.failed = [...taken, ...this.failed];
          this.attempts += 1;
          this.lastError = error;
          return false;
        },
      )
      .finally(() => {
        this.trying = null;
      });
    return this.trying;
  }
}
