import type { Clock } from './ports.js';
import type { Job, JobState } from './types.js';
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
 * A job as the engine keeps it. `interrupted` marks an upload that was in
 * flight when the process died: for an entry or invoice, Concur's "already has
 * an image" then means that upload landed. It is stored with the job so a
 * second crash before the retry does not forget it.
 */
export type EngineJob = Job & { interrupted?: boolean };

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
    return this.ledger.inStates(ACTIVE_STATES).map(snapshot);
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
   * Applies `patch`, writes the job to the ledger and waits for the write,
   * then emits it. The returned object is the live job (mutated in place).
   */
  async save(job: EngineJob, patch: Partial<EngineJob>): Promise<EngineJob> {
    const current = this.live.get(job.id);
    const live = current ?? job;
    const before = live.state;
    const hadPath = pathKey(live.root, live.relPath);
    // Uncount what the tally holds for this job now: the live job, else the ledger's last
    // record (a caller may hand in an older copy whose state is stale). A brand-new job has neither.
    const stored = current ?? this.ledger.get(job.id);
    const counted = stored && snapshot(stored);
    if (counted) this.count(counted, -1);
    Object.assign(live, patch, { updatedAt: this.clock.now() });
    if (live.state !== 'uploading') delete live.progress;
    this.count(live, +1);
    if (isFinal(live.state)) {
      this.live.delete(live.id);
      if (this.byPath.get(hadPath) === live.id) this.byPath.delete(hadPath);
    } else {
      this.live.set(live.id, live);
      if (this.byPath.get(hadPath) === live.id) this.byPath.delete(hadPath);
      this.byPath.set(pathKey(live.root, live.relPath), live.id);
    }
    try {
      await this.ledger.put(snapshot(live));
    } catch (err) {
      // The ledger could not be written: undo the tally so counts stay true, and let the caller stop.
      this.count(live, -1);
      live.state = before;
      if (counted) this.count(counted, +1);
      throw err;
    }
    this.announce(snapshot(live));
    return live;
  }

  /** Progress is not worth a disk write: it is only announced. */
  progress(job: EngineJob, fraction: number): void {
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
