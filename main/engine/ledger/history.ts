import { targetKey } from '../routing/route.js';
import type { Job, JobState } from '../types.js';
import { emptyCounts } from '../summary.js';

/**
 * What the ledger remembers of every job it ever had, including those whose
 * full record has left memory: each job's state (for the counts), the
 * uploads behind "uploaded today", the dedupe index and the entries and
 * invoices that hold their one image. A few bytes per job, and the hash,
 * image id and name of each upload.
 */

/** Every state, in a fixed order (the keys of a count record). */
const STATES = Object.keys(emptyCounts()) as readonly JobState[];
const STATE_NUMBER = new Map(STATES.map((s, i) => [s, i + 1]));

/** An uploaded job with some content for some target: what a duplicate of it needs. */
export interface UploadedMemory {
  id: string;
  imageId?: string;
  name: string;
}

/** How far back "uploaded since" can look: a local day, whatever the time zone, with margin. */
export const UPLOAD_WINDOW_MS = 2 * 86_400_000;

export class History {
  /** Job number → state number (0: none yet). */
  private states = new Uint8Array(1024);
  /** Jobs per state number. */
  private readonly tally = new Int32Array(STATES.length + 1);
  /**
   * sha256 → the numbers of jobs uploaded with that content (almost always one). Keyed by
   * the hash string as parsed, with the rest in arrays by job number: no string is built
   * per job, which kept a 100,000-record open a third faster.
   */
  private readonly bySha = new Map<string, number | number[]>();
  private readonly ids: string[] = [];
  /** Job number → target key, image id and name, while it is an upload. */
  private readonly targets: (string | undefined)[] = [];
  private readonly imageIds: (string | undefined)[] = [];
  private readonly names: (string | undefined)[] = [];
  private readonly imagedKeys = new Set<string>();
  /** finishedAt of uploads in the window, ascending. */
  private uploadTimes: number[] = [];

  constructor(private readonly now: () => number) {}

  /** The state job `n` was last put in. */
  stateOf(n: number): JobState | undefined {
    return n < this.states.length ? STATES[this.states[n] - 1] : undefined;
  }

  /**
   * Job `n` is now `job`. `previous` is its last record when still in memory
   * (what an upload time or dedupe entry to take back is known from).
   */
  record(n: number, job: Job, previous: Job | undefined): void {
    if (n >= this.states.length) {
      const bigger = new Uint8Array(Math.max(n + 1, this.states.length * 2));
      bigger.set(this.states);
      this.states = bigger;
    }
    const before = this.stateOf(n);
    // A failure a later upload replaced counts no more.
    const state = job.replacedBy ? 0 : (STATE_NUMBER.get(job.state) ?? 0);
    this.tally[this.states[n]]--;
    this.tally[state]++;
    this.states[n] = state;
    this.ids[n] = job.id;

    if (before === 'uploaded' && previous) {
      if (job.state !== 'uploaded' || previous.finishedAt !== job.finishedAt)
        this.forgetUploadTime(previous);
      if (previous.sha256 && previous.sha256 !== job.sha256)
        this.forgetUploaded(previous.sha256, n);
    }
    if (job.state !== 'uploaded') return;
    // An upload already counted (its record left memory) keeps its time: a later put only moves its file.
    if (before !== 'uploaded' || (previous && previous.finishedAt !== job.finishedAt))
      this.addUploadTime(job);
    if (job.sha256 && job.target) {
      const key = targetKey(job.target);
      const there = this.bySha.get(job.sha256);
      if (there === undefined) this.bySha.set(job.sha256, n);
      else if (typeof there === 'number') {
        if (there !== n) this.bySha.set(job.sha256, [there, n]);
      } else if (!there.includes(n)) there.push(n);
      this.targets[n] = key;
      this.imageIds[n] = job.imageId;
      this.names[n] = job.name;
      if (job.target.kind === 'entry' || job.target.kind === 'invoice') this.imagedKeys.add(key);
    }
  }

  /** The first job still uploaded with this content to this target. */
  findUploaded(sha256: string, key: string): UploadedMemory | undefined {
    const there = this.bySha.get(sha256);
    for (const n of typeof there === 'number' ? [there] : (there ?? [])) {
      if (this.stateOf(n) !== 'uploaded' || this.targets[n] !== key) continue;
      const imageId = this.imageIds[n];
      return imageId === undefined
        ? { id: this.ids[n], name: this.names[n]! }
        : { id: this.ids[n], imageId, name: this.names[n]! };
    }
    return undefined;
  }

  imaged(key: string): boolean {
    return this.imagedKeys.has(key);
  }

  counts(): Record<JobState, number> {
    return Object.fromEntries(STATES.map((s, i) => [s, this.tally[i + 1]])) as Record<
      JobState,
      number
    >;
  }

  /** Uploads finished at or after `since` (epoch ms; within the last two days). */
  uploadedSince(since: number): number {
    return this.uploadTimes.length - lowerBound(this.uploadTimes, since);
  }

  private forgetUploaded(sha256: string, n: number): void {
    const there = this.bySha.get(sha256);
    if (there === n) this.bySha.delete(sha256);
    else if (Array.isArray(there)) {
      const rest = there.filter((m) => m !== n);
      this.bySha.set(sha256, rest.length === 1 ? rest[0] : rest);
    }
  }

  private addUploadTime(job: Job): void {
    const at = job.finishedAt ?? job.updatedAt;
    const from = this.now() - UPLOAD_WINDOW_MS;
    if (at < from) return;
    const times = this.uploadTimes;
    // After any equal times: uploads finished in the same millisecond keep this append-only.
    const i = upperBound(times, at);
    if (i === times.length) times.push(at);
    else times.splice(i, 0, at);
    // Times that fell out of the window go, so the list holds about two days of uploads.
    if (times[0] < from) times.splice(0, lowerBound(times, from));
  }

  private forgetUploadTime(previous: Job): void {
    const at = previous.finishedAt ?? previous.updatedAt;
    const i = lowerBound(this.uploadTimes, at);
    if (this.uploadTimes[i] === at) this.uploadTimes.splice(i, 1);
  }
}

/** The first index whose value is > `value` (the list ascending). */
function upperBound(list: number[], value: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (list[mid] <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The first index whose value is ≥ `value` (the list ascending). */
function lowerBound(list: number[], value: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (list[mid] < value) low = mid + 1;
    else high = mid;
  }
  return low;
}
