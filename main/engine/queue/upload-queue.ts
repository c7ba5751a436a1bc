import type { Clock } from '../ports.js';

/**
 * At most `concurrency` uploads at a time (docs/architecture.md#from-file-to-concur), first come first
 * served; items backing off wait on the injected clock, so tests can drive
 * retries without sleeping. Pausing (user, or a refused token) stops new
 * starts; uploads already running finish on their own.
 */

interface Delayed<T> {
  item: T;
  handle: unknown;
}

export interface UploadQueueOptions<T> {
  concurrency: number;
  clock: Clock;
  run: (item: T) => Promise<void>;
  /** Told whenever the number of pending or running items changes. */
  onChange?: () => void;
}

/** A small scheduler of upload work: ready items, delayed items and a concurrency cap. */
export class UploadQueue<T> {
  private readonly ready: T[] = [];
  private readonly delayed = new Set<Delayed<T>>();
  private readonly runningItems = new Set<T>();
  private concurrency: number;
  private isPaused = false;
  private stopped = false;

  constructor(private readonly options: UploadQueueOptions<T>) {
    this.concurrency = options.concurrency;
  }

  /** Queues an item; with `notBefore` (epoch ms) it waits until then. */
  add(item: T, notBefore?: number): void {
    if (this.stopped) return;
    const wait = notBefore === undefined ? 0 : notBefore - this.options.clock.now();
    if (wait > 0) {
      const entry: Delayed<T> = { item, handle: undefined };
      entry.handle = this.options.clock.setTimeout(() => {
        this.delayed.delete(entry);
        this.ready.push(item);
        this.pump();
      }, wait);
      this.delayed.add(entry);
    } else {
      this.ready.push(item);
      this.pump();
    }
    this.options.onChange?.();
  }

  /** Takes not-yet-running items matching `pred` out of the queue and returns them. */
  remove(pred: (item: T) => boolean): T[] {
    const out: T[] = [];
    for (let i = this.ready.length - 1; i >= 0; i--) {
      if (pred(this.ready[i])) out.unshift(...this.ready.splice(i, 1));
    }
    for (const entry of [...this.delayed]) {
      if (!pred(entry.item)) continue;
      this.options.clock.clearTimeout(entry.handle);
      this.delayed.delete(entry);
      out.push(entry.item);
    }
    if (out.length) this.options.onChange?.();
    return out;
  }

  /** Every item the queue holds: ready, delayed and running. */
  items(): T[] {
    return [...this.runningItems, ...this.ready, ...[...this.delayed].map((d) => d.item)];
  }

  /** Items not running: ready or delayed. */
  waiting(): T[] {
    return [...this.ready, ...[...this.delayed].map((d) => d.item)];
  }

  get pending(): number {
    return this.ready.length + this.delayed.size;
  }

  get running(): number {
    return this.runningItems.size;
  }

  get paused(): boolean {
    return this.isPaused;
  }

  pause(): void {
    this.isPaused = true;
  }

  resume(): void {
    this.isPaused = false;
    this.pump();
  }

  setConcurrency(n: number): void {
    this.concurrency = Math.max(1, n);
    this.pump();
  }

  /** Drops everything not running and cancels timers; running uploads are left to settle. */
  stop(): void {
    this.stopped = true;
    for (const entry of this.delayed) this.options.clock.clearTimeout(entry.handle);
    this.delayed.clear();
    this.ready.length = 0;
  }

  private pump(): void {
    while (
      !this.stopped &&
      !this.isPaused &&
      this.runningItems.size < this.concurrency &&
      this.ready.length
    ) {
      const item = this.ready.shift() as T;
      this.runningItems.add(item);
      void this.options
        .run(item)
        .catch(() => {
          // run() owns its errors; a throw here must not stall the queue.
        })
        .finally(() => {
          this.runningItems.delete(item);
          this.options.onChange?.();
          this.pump();
        });
    }
  }
}
