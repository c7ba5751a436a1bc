/**
 * Which job each line of the journal is for, and which line is each job's
 * newest: enough to compact the journal by copying the lines that still
 * count, without parsing it again. Jobs get small numbers (the one map keyed
 * by id), lines are numbers in a typed array: a few bytes per line.
 */
export class JournalLines {
  private readonly numbers = new Map<string, number>();
  /** Job number → its newest durable line, or -1. */
  private newest: Int32Array<ArrayBuffer> = new Int32Array(1024);
  /** Line → job number. */
  private jobs: Int32Array<ArrayBuffer> = new Int32Array(4096);
  /** Lines in the journal. */
  count = 0;
  /** Jobs with at least one line. */
  private withLine = 0;

  /** The job's number, given one if it has none yet. */
  numberOf(id: string): number {
    let n = this.numbers.get(id);
    if (n === undefined) {
      n = this.numbers.size;
      this.numbers.set(id, n);
      if (n >= this.newest.length) this.newest = grow(this.newest, n);
      this.newest[n] = -1;
    }
    return n;
  }

  /** Jobs the ledger knows. */
  get jobCount(): number {
    return this.numbers.size;
  }

  /** A line for job `n` is now durably at the end of the journal. */
  landed(n: number): void {
    if (this.count >= this.jobs.length) this.jobs = grow(this.jobs, this.count);
    this.jobs[this.count] = n;
    if (this.newest[n] < 0) this.withLine++;
    this.newest[n] = this.count++;
  }

  /** Lines a newer line for the same job made pointless. */
  get superseded(): number {
    return this.count - this.withLine;
  }

  /** Of the first `upTo` lines, which a compaction keeps now: each job's newest. */
  keptAmong(upTo: number): Uint8Array {
    const keep = new Uint8Array(upTo);
    for (let line = 0; line < upTo; line++)
      keep[line] = this.newest[this.jobs[line]] === line ? 1 : 0;
    return keep;
  }

  /**
   * After a compaction: the journal now holds the `keep` lines among the
   * first keep.length, in order, then every line written since.
   */
  compacted(keep: Uint8Array): void {
    let next = 0;
    for (let line = 0; line < this.count; line++) {
      if (line < keep.length && !keep[line]) continue;
      this.jobs[next++] = this.jobs[line];
    }
    this.count = next;
    this.newest.fill(-1, 0, this.numbers.size);
    this.withLine = 0;
    for (let line = 0; line < this.count; line++) {
      if (this.newest[this.jobs[line]] < 0) this.withLine++;
      this.newest[this.jobs[line]] = line;
    }
  }
}

function grow(array: Int32Array, needed: number): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(Math.max(needed + 1, array.length * 2));
  bigger.set(array);
  return bigger;
}
