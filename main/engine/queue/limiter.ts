/**
 * Runs at most `max` tasks at once; the rest wait in order. A backlog of
 * hundreds of scans found at start must not hash hundreds of files at the
 * same moment (each read holds a 1 MB buffer): memory stays flat.
 */
export class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((go) => this.waiting.push(go));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
