import { targetKey } from '../routing/route.js';
import type { Job, JobState } from '../types.js';

/**
 * What the ledger remembers of every job it ever had, including those whose
 * full record has left memory: each job's state (for the counts), the
 * uploads behind "uploaded today", the dedupe index and the entries and
 * invoices that hold their one image. One short string per entry.
 */

const STATES: readonly JobState[] = [
  'waiting',
  'queued',
  'uploading',
  'uploaded',
  'duplicate',
  'failed',
  'paused',
];
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
  private readonly tally = new Map<JobState, number>(STATES.map((s) => [s, 0]));
  /** `${sha256}|${targetKey}` → `${id}\n${imageId}\n${name}`. */
  private readonly uploaded = new Map<string, string>();
  private readonly imagedKeys = new Set<string>();
  /** finishedAt of uploads in the window, ascending. */
  private uploadTimes: number[] = [];

  constructor(
    private readonly now: () => number,
    /** Whether the job with this id is still in state 'uploaded' (its dedupe entry still holds). */
    private readonly isUploaded: (id: string) => boolean,
  ) {}

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
    if (before !== undefined) this.tally.set(before, this.tally.get(before)! - 1);
    this.tally.set(job.state, this.tally.get(job.state)! + 1);
    this.states[n] = STATE_NUMBER.get(job.state) ?? 0;

    if (before === 'uploaded' && previous) {
      if (job.state !== 'uploaded' || previous.finishedAt !== job.finishedAt)
        this.forgetUploadTime(previous);
      if (job.state !== 'uploaded' || previous.sha256 !== job.sha256) this.forgetUploaded(previous);
    }
    if (job.state !== 'uploaded') return;
    // An upload already counted (its record left memory) keeps its time: a later put only moves its file.
    if (before !== 'uploaded' || (previous && previous.finishedAt !== job.finishedAt))
      this.addUploadTime(job);
    if (job.sha256 && job.target) {
      const key = `${job.sha256}|${targetKey(job.target)}`;
      const holder = this.uploaded.get(key);
      // The first upload of this content keeps the entry, unless it is no longer an upload.
      if (holder === undefined || holder.startsWith(`${job.id}\n`) || !this.stillUploaded(holder)) {
        this.uploaded.set(key, `${job.id}\n${job.imageId ?? ''}\n${job.name}`);
      }
      if (job.target.kind === 'entry' || job.target.kind === 'invoice')
        this.imagedKeys.add(targetKey(job.target));
    }
  }

  private stillUploaded(holder: string): boolean {
    return this.isUploaded(holder.slice(0, holder.indexOf('\n')));
  }

  findUploaded(sha256: string, key: string): UploadedMemory | undefined {
    const holder = this.uploaded.get(`${sha256}|${key}`);
    if (holder === undefined || !this.stillUploaded(holder)) return undefined;
    const [id, imageId, name] = holder.split('\n');
    return imageId ? { id, imageId, name } : { id, name };
  }

  imaged(key: string): boolean {
    return this.imagedKeys.has(key);
  }

  counts(): Record<JobState, number> {
    return Object.fromEntries(this.tally) as Record<JobState, number>;
  }

  /** Uploads finished at or after `since` (epoch ms; within the last two days). */
  uploadedSince(since: number): number {
    return this.uploadTimes.length - lowerBound(this.uploadTimes, since);
  }

  private forgetUploaded(previous: Job): void {
    if (!previous.sha256 || !previous.target) return;
    const key = `${previous.sha256}|${targetKey(previous.target)}`;
    if (this.uploaded.get(key)?.startsWith(`${previous.id}\n`)) this.uploaded.delete(key);
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
