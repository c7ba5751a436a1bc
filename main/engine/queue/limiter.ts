/**
 * Runs at most `max` tasks at once; the rest wait in order. A backlog of
 * hundreds of scans found at start must not hash hundreds of files at the
 * same moment (each read holds a 1 MB buffer): memory stays flat.
 */
export class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await task();
    } finally {
      release();
    }
  }

  /** Waits for a place; the function returned gives it back (once). */
  async acquire(): Promise<() => void> {
    if (this.running < this.max) this.running++;
    // Woken with a place already counted for it (see wake()).
    else await new Promise<void>((go) => this.waiting.push(go));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.wake();
    };
  }

  setMax(max: number): void {
    this.max = Math.max(1, max);
    this.wake();
  }

  private wake(): void {
    // The place is counted here, before the waiter runs: a second wake in the same tick cannot give it away again.
    while (this.waiting.length && this.running < this.max) {
      this.running++;
      this.waiting.shift()!();
    }
  }
}
