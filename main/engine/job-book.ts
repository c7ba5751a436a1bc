import type { Clock } from './ports.js';
import type { Job, JobState, SentVersion } from './types.js';
import { FINAL_STATES } from './types.js';
import { targetKey } from './routing/route.js';
import { emptyCounts } from './summary.js';

/**
 * The engine's record of jobs: the ledger on disk (DESIGN §4) plus the live
 * jobs of this run. Every change goes through `save`, which writes the ledger
 * (fsync'd) BEFORE the caller acts on the new state, then announces it.
 */

/** What the engine needs of the ledger (main/engine/ledger/ledger.ts). */
export interface JobLedger {
  put(job: Job): Promise<void>;
  get(id: string): Job | undefined;
  all(): Job[];
  /** Every job in no set order (cheaper than all(): no sort). */
  values(): Iterable<Job>;
  inStates(states: readonly JobState[]): Job[];
  findUploaded(sha256: string, targetKey: string): Pick<Job, 'id' | 'name' | 'imageId'> | undefined;
  findByPath(root: string, relPath: string): Job | undefined;
  close(): Promise<void>;
}

/**
 * A job as the engine keeps it and the ledger records it. `sent` is the
 * version of the file that went out (finishing moves only that version).
 * `mayHaveLanded` marks an upload whose answer never came (a crash, a dropped
 * connection): for an entry or invoice, Concur's "already has an image" then
 * means that upload landed. Both are in the ledger, so a restart keeps them.
 */
export type EngineJob = Job & {
  /** Ledger record version: 2 since the lifecycle has named phases. */
  v?: 2;
  sent?: SentVersion;
  mayHaveLanded?: boolean;
};

const ACTIVE_STATES: readonly JobState[] = ['waiting', 'queued', 'uploading', 'paused'];

export function isFinal(state: JobState): boolean {
  return FINAL_STATES.includes(state);
}

/** Key of a file within the engine: root + relative path. */
export function pathKey(root: string, relPath: string): string {
  return `${root}\u0000${relPath}`;
}

/** Counts by state and the upload times behind "uploaded today", kept in step with every save. */
interface Tally {
  counts: Record<JobState, number>;
  uploadedAt: number[];
}

export class JobBook {
  /** Jobs not yet final in this run (paused included), by id. */
  readonly live = new Map<string, EngineJob>();
  private readonly byPath = new Map<string, string>();
  private readonly tally: Tally = {
    counts: emptyCounts(),
    uploadedAt: [],
  };
  /** Entries and invoices that already hold their one image: targetKey → image id. */
  readonly imaged = new Map<string, string>();

  constructor(
    private readonly ledger: JobLedger,
    private readonly clock: Clock,
    private readonly announce: (job: Job) => void,
  ) {
    // One pass over history at start: counts, today's uploads, entries that have their image.
    // Counts need no order, so this does not sort the whole history.
    for (const job of ledger.values()) this.count(job, +1);
  }

  /** Jobs the ledger holds in a live state (what to resume at start). */
  unfinished(): EngineJob[] {
    const ended = this.ledger
      .inStates(FINAL_STATES)
      .filter((j) => (j as EngineJob).phase === 'done' && j.disposition === undefined);
    return [...this.ledger.inStates(ACTIVE_STATES), ...ended].map(snapshot);
  }

  /** Failed-retryable jobs whose file waits in place: each start gives them another chance. */
  retryableInPlace(): EngineJob[] {
    return this.ledger
      .inStates(['failed'])
      .filter((j) => j.error?.retryable && j.disposition === 'kept')
      .map(snapshot);
  }

  /** The live job, or a copy of the ledger's record (safe to pass to save). */
  get(id: string): EngineJob | undefined {
    const live = this.live.get(id);
    if (live) return live;
    const stored = this.ledger.get(id);
    return stored && snapshot(stored);
  }

  /** The live job for a file, if any. */
  atPath(root: string, relPath: string): EngineJob | undefined {
    const id = this.byPath.get(pathKey(root, relPath));
    return id ? this.live.get(id) : undefined;
  }

  /** The newest ledger record for a file, live or finished. */
  lastAtPath(root: string, relPath: string): EngineJob | undefined {
    const live = this.atPath(root, relPath);
    if (live) return live;
    const stored = this.ledger.findByPath(root, relPath);
    return stored && snapshot(stored);
  }

  findUploaded(sha256: string, key: string): Pick<Job, 'id' | 'name' | 'imageId'> | undefined {
    return this.ledger.findUploaded(sha256, key);
  }

  /** All jobs, newest first, live ones as they are now (with progress). */
  all(limit = Infinity): Job[] {
    return this.ledger
      .all()
      .slice(0, limit)
      .map((j) => this.live.get(j.id) ?? j);
  }

  inStates(states: readonly JobState[], limit = Infinity): Job[] {
    return this.ledger
      .inStates(states)
      .slice(0, limit)
      .map((j) => this.live.get(j.id) ?? j);
  }

  /**
   * Records `next` (the reducer's new version of `before`) in the ledger and
   * waits for the write, then announces it. Only the job runner calls this.
   * On a failed write nothing changes in memory and the error is thrown.
   */
  async save(before: EngineJob, next: EngineJob): Promise<EngineJob> {
    const current = this.live.get(next.id);
    // Uncount what the tally holds for this job now: the live job, else the ledger's last record.
    const stored = current ?? this.ledger.get(next.id);
    const counted = stored && snapshot(stored);
    const oldKey = pathKey(before.root, before.relPath);
    const record: EngineJob = { ...next, v: 2 };
    // Memory first, in step with the ledger's own index (it sees the record as put() is called),
    // so a summary taken while the write is under way counts what jobs() lists.
    const apply = (job: EngineJob | undefined, gone: EngineJob) => {
      if (this.byPath.get(pathKey(gone.root, gone.relPath)) === gone.id)
        this.byPath.delete(pathKey(gone.root, gone.relPath));
      if (!job) return this.live.delete(gone.id);
      if (isFinal(job.state) && job.disposition !== undefined) this.live.delete(job.id);
      else this.live.set(job.id, job);
      if (!isFinal(job.state)) this.byPath.set(pathKey(job.root, job.relPath), job.id);
    };
    if (counted) this.count(counted, -1);
    this.count(record, +1);
    if (this.byPath.get(oldKey) === record.id) this.byPath.delete(oldKey);
    apply(record, record);
    try {
      await this.ledger.put(snapshot(record));
    } catch (err) {
      this.count(record, -1);
      if (counted) this.count(counted, +1);
      apply(current, record);
      if (current && !isFinal(current.state)) this.byPath.set(oldKey, current.id);
      throw err;
    }
    this.announce(snapshot(record));
    return record;
  }

  /** Progress is not worth a disk write: it is only announced. */
  progress(id: string, fraction: number): void {
    const job = this.live.get(id);
    if (job?.state !== 'uploading') return;
    job.progress = fraction;
    this.announce(snapshot(job));
  }

  /** Drops a live job from memory without a state change (its root stopped being watched). */
  forget(id: string): void {
    const job = this.live.get(id);
    if (!job) return;
    this.live.delete(id);
    const key = pathKey(job.root, job.relPath);
    if (this.byPath.get(key) === id) this.byPath.delete(key);
  }

  counts(): Record<JobState, number> {
    return { ...this.tally.counts };
  }

  /** Uploads (not duplicates) finished since `since` (epoch ms). */
  uploadedSince(since: number): number {
    return this.tally.uploadedAt.filter((t) => t >= since).length;
  }

  private count(job: Job, sign: 1 | -1): void {
    this.tally.counts[job.state] += sign;
    if (job.state === 'uploaded') {
      if (job.finishedAt !== undefined && job.finishedAt > this.clock.now() - 2 * 86_400_000) {
        if (sign > 0) this.tally.uploadedAt.push(job.finishedAt);
        else {
          const i = this.tally.uploadedAt.indexOf(job.finishedAt);
          if (i >= 0) this.tally.uploadedAt.splice(i, 1);
        }
      }
      if (sign > 0 && job.target && job.target.kind !== 'receipt' && job.target.kind !== 'report')
        this.imaged.set(targetKey(job.target), job.imageId ?? '');
    }
  }
}

/** A copy for the ledger and listeners, so later changes do not reach them. */
function snapshot(job: EngineJob): EngineJob {
  return {
    ...job,
    target: job.target ? { ...job.target } : null,
    error: job.error && { ...job.error },
  };
}
