/**
 * One run of the engine, from start to stop or crash. A crash ends it: its
 * timers never fire again and its pending I/O never answers, as when the
 * process dies, while what it already did to the disk and to Concur stays.
 */
export class Life {
  private alive = true;

  constructor(readonly number: number) {}

  get isAlive(): boolean {
    return this.alive;
  }

  end(): void {
    this.alive = false;
  }
}

/** A promise that never settles: what a dead process's await sees. */
export function never<T>(): Promise<T> {
  return new Promise<T>(() => {});
}

/**
 * Runs `op` as an asynchronous call of `life`: it starts on a later microtask
 * (so the engine's async code interleaves) and its answer is withheld when the
 * life ended meanwhile. Effects of `op` stay, like a rename done just before a kill.
 */
export async function asLife<T>(life: Life | undefined, op: () => T | Promise<T>): Promise<T> {
  await Promise.resolve();
  if (life && !life.isAlive) return never();
  let result: T;
  try {
    result = await op();
  } catch (error) {
    if (life && !life.isAlive) return never();
    throw error;
  }
  if (life && !life.isAlive) return never();
  return result;
}
