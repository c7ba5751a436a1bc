/**
 * One root's file-system look-ups, done one at a time in arrival order, so a
 * path's events reach the owner in order. A key already waiting is not queued
 * again: a burst of events for a file being written costs one look-up, and one
 * more if it changes again meanwhile.
 */
export class Mailbox {
  private readonly waiting = new Map<string, () => Promise<void>>();
  private running = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly onError: (err: unknown) => void,
    /** Called each time the last waiting step is done. */
    private readonly onIdle: () => void,
  ) {}

  get size(): number {
    return this.waiting.size + (this.running ? 1 : 0);
  }

  post(key: string, step: () => Promise<void>): void {
    if (this.waiting.has(key)) return;
    this.waiting.set(key, step);
    if (!this.running) void this.drain();
  }

  /** Drops what waits (a re-arm starts over). */
  clear(): void {
    this.waiting.clear();
  }

  /** Resolves when nothing waits or runs. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      for (;;) {
        const next = this.waiting.entries().next();
        if (next.done) break;
        const [key, step] = next.value;
        this.waiting.delete(key);
        try {
          await step();
        } catch (err) {
          this.onError(err);
        }
      }
    } finally {
      this.running = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
      this.onIdle();
    }
  }
}
