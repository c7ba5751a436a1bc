import type { Clock } from './ports.js';

/**
 * Merge windows for entries and invoices (docs/architecture.md#from-file-to-concur): Concur takes one image
 * per entry or invoice, so files for one arrive together into one PDF. Each
 * new file for a target restarts its window; the window closes after
 * `windowMs` of quiet, unless the owner says a file for it is still being
 * written (then it waits another window).
 */

export interface BatchCollectorOptions {
  clock: Clock;
  windowMs: number;
  /** False while a file for this target is still on its way (not ready yet). */
  canClose: (key: string) => boolean;
  onClose: (key: string, jobIds: string[]) => void;
}

interface Window {
  jobIds: string[];
  timer: unknown;
}

/** Open merge windows by target key. */
export class BatchCollector {
  private readonly windows = new Map<string, Window>();

  constructor(private options: BatchCollectorOptions) {}

  configure(windowMs: number): void {
    this.options = { ...this.options, windowMs };
  }

  /** Adds a ready job to its target's window and restarts the window. */
  add(key: string, jobId: string): void {
    const w = this.windows.get(key) ?? { jobIds: [], timer: undefined };
    if (!w.jobIds.includes(jobId)) w.jobIds.push(jobId);
    this.windows.set(key, w);
    this.arm(key, w);
  }

  /** A new file for this target was seen: an open window waits for it. */
  touch(key: string): void {
    const w = this.windows.get(key);
    if (w) this.arm(key, w);
  }

  /** Takes a job out of whatever window holds it (deleted, retried…). */
  remove(jobId: string): void {
    for (const [key, w] of this.windows) {
      const i = w.jobIds.indexOf(jobId);
      if (i < 0) continue;
      w.jobIds.splice(i, 1);
      if (w.jobIds.length === 0) {
        this.options.clock.clearTimeout(w.timer);
        this.windows.delete(key);
      }
    }
  }

  /** The jobs in this target's open window. */
  members(key: string): readonly string[] {
    return this.windows.get(key)?.jobIds ?? [];
  }

  holds(jobId: string): boolean {
    return [...this.windows.values()].some((w) => w.jobIds.includes(jobId));
  }

  get open(): number {
    return this.windows.size;
  }

  stop(): void {
    for (const w of this.windows.values()) this.options.clock.clearTimeout(w.timer);
    this.windows.clear();
  }

  private arm(key: string, w: Window): void {
    this.options.clock.clearTimeout(w.timer);
    w.timer = this.options.clock.setTimeout(() => {
      if (this.windows.get(key) !== w) return;
      if (!this.options.canClose(key)) return this.arm(key, w);
      this.windows.delete(key);
      this.options.onClose(key, w.jobIds);
    }, this.options.windowMs);
  }
}
