export type AutosaveStatus = 'saved' | 'pending' | 'saving' | 'error';

/** What an indicator reads from an autosave, whatever it saves. */
export interface AutosaveView {
  readonly status: AutosaveStatus;
  readonly error: string | null;
  /** When the last save succeeded (epoch ms). */
  readonly savedAt: number | null;
  retry(): void;
}

/**
 * Debounced saving of a value that keeps changing (a draft form): one save at a time, the latest
 * value always wins, and `settle()` lets a caller wait for quiet before doing something final.
 */
export class Autosave<T> implements AutosaveView {
  status = $state<AutosaveStatus>('saved');
  error = $state<string | null>(null);
  savedAt = $state<number | null>(null);

  readonly #save: (value: T) => Promise<void>;
  readonly #describeError: (error: unknown) => string;
  readonly #delayMs: number;
  #pending: { value: T } | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #running: Promise<void> | null = null;
  #failed: { value: T } | null = null;

  constructor(options: { save: (value: T) => Promise<void>; describeError: (error: unknown) => string; delayMs?: number }) {
    this.#save = options.save;
    this.#describeError = options.describeError;
    this.#delayMs = options.delayMs ?? 800;
  }

  /** Queues `value` to be saved once edits pause. */
  schedule(value: T): void {
    this.#pending = { value };
    this.status = this.#running ? 'saving' : 'pending';
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.flush(), this.#delayMs);
  }

  /** Saves what is pending now, and resolves once nothing is pending or running. */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    while (this.#running || this.#pending) {
      if (this.#running) {
        await this.#running;
        continue;
      }
      const { value } = this.#pending!;
      this.#pending = null;
      this.#running = this.#run(value).finally(() => {
        this.#running = null;
      });
    }
  }

  /** Drops what is pending (nothing more will be saved) and waits for a save already under way. */
  async settle(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#pending = null;
    if (this.#running) await this.#running;
  }

  /** Tries the last failed save again (unless a newer value is already on its way). */
  retry(): void {
    if (this.#failed && !this.#pending) this.schedule(this.#failed.value);
  }

  async #run(value: T): Promise<void> {
    this.status = 'saving';
    try {
      await this.#save(value);
      this.error = null;
      this.#failed = null;
      this.savedAt = Date.now();
      if (!this.#pending) this.status = 'saved';
    } catch (caught) {
      // A newer value already pending is tried next anyway; otherwise the next edit (or retry) tries again.
      this.error = this.#describeError(caught);
      this.#failed = { value };
      this.status = 'error';
    }
  }
}
