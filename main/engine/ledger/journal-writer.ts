import type { JournalStore } from '../ports/journal-store.js';

interface Pending {
  line: string;
  /** Which job the line is for (the ledger's number for it). */
  job: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Appends the ledger's lines through its store. Lines that arrive while a
 * flush runs are written and synced together in the next one (group commit),
 * so two uploads finishing at once do not pay two fsyncs in series. A
 * compaction can hold the writer: the flush under way ends, the next waits.
 */
export class JournalWriter {
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private held = 0;
  private closed = false;
  /** Write+sync rounds so far: fewer than appends when group commit works. */
  commits = 0;

  constructor(
    private readonly store: JournalStore,
    /** Told of each line once it is durable, in journal order. */
    private readonly landed: (line: string, job: number) => void,
  ) {}

  /** Resolves once `line` (which must end in '\n') is durable; rejects, and counts for nothing, if it could not be. */
  append(line: string, job: number): Promise<void> {
    if (this.closed) return Promise.reject(new Error('The ledger is closed.'));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ line, job, resolve, reject });
      this.kick();
    });
  }

  /** Runs `work` while no line is being written; lines put meanwhile wait, then go in order. */
  async hold<T>(work: () => Promise<T>): Promise<T> {
    this.held++;
    try {
      while (this.flushing) await this.flushing;
      return await work();
    } finally {
      this.held--;
      this.kick();
    }
  }

  private kick(): void {
    if (this.held === 0 && this.queue.length > 0) this.flushing ??= this.flushLoop();
  }

  private async flushLoop(): Promise<void> {
    // One turn of the event loop first: the records that the answers, reads and timers of this
    // turn put go in this flush, not one sync each (a backlog put five records a receipt).
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.queue.length > 0 && this.held === 0) {
      const batch = this.queue;
      this.queue = [];
      const written = newestPerJob(batch);
      const data = Buffer.from(written.map((p) => p.line).join(''), 'latin1');
      try {
        await this.store.append(data);
        this.commits++;
        for (const p of written) this.landed(p.line, p.job);
        for (const p of batch) p.resolve();
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const p of batch) p.reject(failure);
      }
    }
    this.flushing = null;
  }

  /** Waits for lines already put; refuses new ones. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing || (this.queue.length > 0 && this.held === 0)) {
      this.kick();
      await this.flushing;
    }
  }
}

/**
 * Of the lines waiting for one flush, each job's newest, in order: a job that
 * moved on twice before the disk was free (seen, then inspected) needs only
 * where it is now, since a line is a whole record and replay keeps the last.
 * Nothing was acted on because of the older line: its put() had not resolved.
 */
function newestPerJob(batch: Pending[]): Pending[] {
  if (batch.length < 2) return batch;
  const last = new Map<number, Pending>();
  for (const p of batch) last.set(p.job, p);
  if (last.size === batch.length) return batch;
  return batch.filter((p) => last.get(p.job) === p);
}
