/**
 * After a failed insert a document stores those merges itself, for as long as it is loaded: their
 * senders were told to send them again, but one who left never will, while the room already has
 * them and may have built on them. They go with the document's next insert (the next edits', or a
 * retry of their own this long after the failure, doubling up to the maximum), so an edit is never
 * stored, and acked, without the merges the room saw before it: a colleague's edit built on one of
 * them would otherwise be stored without what it builds on, and would never show once the process
 * holding them was gone. A document with merges still to store is busy: it is not unloaded, and
 * closing the hub tries them once more.
 */
export const STORE_RETRY = { firstMs: 1_000, maxMs: 30_000 };

const NONE: readonly Uint8Array[] = Object.freeze([]);

/**
 * A document's merges whose insert failed, waiting to go with its next insert, and the timer that
 * makes one when no edit comes (see STORE_RETRY). The document's store loop takes them (`take`) and
 * gives them back when that insert fails too (`failed`): one insert at a time, in order.
 */
export class StoreRetries {
  private readonly firstMs: number;
  /** Called when a retry is due: the document should make an insert even with no new edit. */
  private readonly due: () => void;
  private merges: Uint8Array[] = [];
  /** Failed inserts in a row. */
  private failures = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Why the last insert failed. */
  lastError: unknown = null;

  constructor(due: () => void, firstMs = STORE_RETRY.firstMs) {
    this.due = due;
    this.firstMs = firstMs;
  }

  /** True while failed merges wait to be stored. */
  get pending(): boolean {
    return this.merges.length > 0;
  }

  /** Takes the failed merges for the insert about to be made (to come back through `failed` or `stored`). */
  take(): readonly Uint8Array[] {
    if (this.merges.length === 0) return NONE;
    const taken = this.merges;
    this.merges = [];
    return taken;
  }

  /** An insert failed with `error`: `merges` (those it carried) wait for the next one, retried after a backoff. */
  failed(merges: readonly Uint8Array[], error: unknown): void {
    this.merges.push(...merges);
    this.lastError = error;
    this.failures += 1;
    this.schedule();
  }

  /** Merges taken and not tried after all (they would not merge with the rest): they wait for the next insert. */
  putBack(merges: readonly Uint8Array[]): void {
    this.merges.push(...merges);
  }

  /** An insert succeeded (carrying whatever had been taken): the backoff starts afresh. */
  stored(): void {
    this.failures = 0;
    if (this.merges.length > 0) return this.schedule();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Makes sure a retry is due some time, while merges wait: after the backoff of the failures in a row. */
  private schedule(): void {
    if (this.timer || this.stopped || this.merges.length === 0) return;
    const delay = Math.min(this.firstMs * 2 ** Math.max(0, this.failures - 1), STORE_RETRY.maxMs);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopped && this.merges.length > 0) this.due();
    }, delay);
    this.timer.unref();
  }

  /** No more retries are scheduled (closing, or dropped); with `forget`, the merges are dropped too. */
  stop(forget: boolean): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (forget) this.merges = [];
  }
}
