import type { SniffedType } from './inspect/file-type.js';
import type { Ledger } from './ledger/ledger.js';
import type { PreparedPart } from './prepare/prepare-types.js';
import { BEFORE_READY } from './lifecycle/phase.js';
import { targetKey } from './routing/route.js';
import type { Job, JobState, SentVersion } from './types.js';
import { FINAL_STATES } from './types.js';

/**
 * The engine's view of its jobs: the ledger on disk (docs/architecture.md,
 * "The ledger") plus the jobs of this run still in motion. Counts, "already
 * uploaded" and "already has its image" are the ledger's indexes, which
 * outlive the records that leave memory. Only the job runner writes.
 */

/**
 * A job as the engine keeps it and the ledger records it. `sent` is the
 * version of the file that went out (finishing moves only that version).
 * `mayHaveLanded` marks an upload whose answer never came (a crash, a dropped
 * connection): for an entry or invoice, Concur's "already has an image" then
 * means that upload landed, if it is the version sent now (the mark holds the
 * hash of the version that went out). Both are in the ledger, so a restart
 * keeps them.
 */
export type EngineJob = Job & {
  /** Ledger record version: 2 since the lifecycle has named phases. */
  v?: 2;
  sent?: SentVersion;
  mayHaveLanded?: boolean | string;
  /** Its type when Concur cannot take it as it is (it is prepared first). */
  from?: SniffedType;
  /** What goes to Concur instead of the file, in order (staged in the data dir). */
  prepared?: PreparedPart[];
};

/** What the engine reads and writes of the ledger (main/engine/ledger/ledger.ts). */
export type JobLedger = Pick<
  Ledger,
  | 'keep'
  | 'get'
  | 'recent'
  | 'unfinished'
  | 'findUploaded'
  | 'findByPath'
  | 'imaged'
  | 'counts'
  | 'uploadedSince'
>;

export function isFinal(state: JobState): boolean {
  return FINAL_STATES.includes(state);
}

/** Key of a file within the engine: root + relative path. */
export function pathKey(root: string, relPath: string): string {
  return `${root}\u0000${relPath}`;
}

const NONE: ReadonlySet<string> = new Set();

/** Failures remembered by path, for a fixed file dropped again to replace. */
const MAX_FAILURES_KEPT = 5000;

export class JobBook {
  /** Jobs of this run not yet settled (done and finished), by id. */
  readonly live = new Map<string, EngineJob>();
  /** Files with a job not yet done: root+path → job id. */
  private readonly byPath = new Map<string, string>();
  /** Jobs of this run moving on by themselves: not done, held or waiting for their folder. */
  private moving = 0;
  /** Per target key, how many jobs for it are not inspected yet (a merge window waits for them). */
  private readonly arriving = new Map<string, number>();
  /** Per target key, the jobs for it collecting (in a merge window, or on their way to one). */
  private readonly collecting = new Map<string, Set<string>>();
  /** Per target key, the failed files its batch waits for (ids). */
  private readonly holders = new Map<string, Set<string>>();
  /** Jobs whose records so far were kept in memory only (see onlyInMemory). */
  private readonly unwritten = new Set<string>();
  /** root+path → the newest failure there not yet replaced (a fixed file dropped again replaces it). */
  private readonly failures = new Map<string, string>();

  /**
   * Batches the last run left in doubt: a member's upload was in flight or its answer lost. The
   * members' records are written one by one, so a crash can leave only some of them saying so.
   */
  private readonly batchesInDoubt = new Set<string>();

  constructor(
    private readonly ledger: JobLedger,
    private readonly announce: (job: Job) => void,
  ) {
    for (const job of ledger.unfinished()) {
      this.countHolder(job);
      if (job.batchId && (job.phase === 'uploading' || job.mayHaveLanded))
        this.batchesInDoubt.add(job.batchId);
    }
    for (const job of ledger.recent(Infinity, (j) => j.state === 'failed').reverse())
      this.noteFailure(job);
  }

  /** Jobs the last run left unfinished, finishing still to do, or failed-retryable in place. */
  unfinished(): EngineJob[] {
    return this.ledger.unfinished().map(snapshot);
  }

  /** Whether this job, as the last run left it, is in a batch whose upload may have landed. */
  batchMayHaveLanded(job: Job): boolean {
    return !!job.batchId && this.batchesInDoubt.has(job.batchId);
  }

  /** The live job, or a copy of the ledger's record while it is in memory. */
  get(id: string): EngineJob | undefined {
    const live = this.live.get(id);
    if (live) return live;
    const stored = this.ledger.get(id);
    return stored && snapshot(stored);
  }

  /** The job not yet done for a file, if any. */
  atPath(root: string, relPath: string): EngineJob | undefined {
    const id = this.byPath.get(pathKey(root, relPath));
    return id ? this.live.get(id) : undefined;
  }

  /** The newest job for a file, live or finished (a finished one's record may be rebuilt from the index). */
  lastAtPath(root: string, relPath: string): EngineJob | undefined {
    const live = this.atPath(root, relPath);
    if (live) return live;
    const stored = this.ledger.findByPath(root, relPath);
    return stored && snapshot(stored);
  }

  findUploaded(sha256: string, key: string): Pick<Job, 'id' | 'name' | 'imageId'> | undefined {
    return this.ledger.findUploaded(sha256, key);
  }

  /** Whether this entry or invoice (by target key) holds its one image already. */
  imaged(key: string): boolean {
    return this.ledger.imaged(key);
  }

  /** Recent jobs, newest first, live ones as they are now (with progress). */
  all(limit = Infinity): Job[] {
    return this.ledger.recent(limit).map((j) => this.live.get(j.id) ?? j);
  }

  inStates(states: readonly JobState[], limit = Infinity): Job[] {
    const wanted = new Set(states);
    return this.ledger
      .recent(limit, (r) => wanted.has(r.state))
      .map((j) => this.live.get(j.id) ?? j);
  }

  /**
   * Records `next` (the reducer's new version of a job) in the ledger and
   * waits for the write, then announces it. Memory follows at once, in step
   * with the ledger's own (a summary taken meanwhile counts what jobs()
   * lists); a failed write is thrown and the runner writes it again.
   */
  async save(before: EngineJob, next: EngineJob): Promise<EngineJob> {
    const record: EngineJob = { ...next, v: 2 };
    const previous = this.live.get(record.id);
    const where = this.onlyInMemory(record, previous) ? 'memory' : 'disk';
    this.countOnItsWay(previous, -1);
    this.countOnItsWay(record, +1);
    if (previous && isMoving(previous)) this.moving--;
    const oldKey = pathKey(before.root, before.relPath);
    if (this.byPath.get(oldKey) === record.id) this.byPath.delete(oldKey);
    if (isFinal(record.state) && record.disposition !== undefined) this.live.delete(record.id);
    else this.live.set(record.id, record);
    if (this.live.has(record.id) && isMoving(record)) this.moving++;
    if (!isFinal(record.state)) this.byPath.set(pathKey(record.root, record.relPath), record.id);
    this.countHolder(record);
    this.noteFailure(record);
    // A live record is never changed in place (progress replaces it), so the ledger and the
    // listeners can hold this very object: a backlog makes seven records a receipt, and two
    // copies of each were a sixth of what the engine allocated.
    await this.ledger.keep(record, where);
    this.announce(record);
    return record;
  }

  /**
   * A new job is written to disk once its file has been checked
   * (docs/architecture.md#the-ledger): before that, a crash loses nothing,
   * since its file is still where it was and is found again as a new job.
   * That spares a receipt two of its seven writes. Waiting for a scanner is
   * written, so `status` in another process can tell what a file waits for.
   */
  private onlyInMemory(job: EngineJob, previous: EngineJob | undefined): boolean {
    const early = job.phase === 'settling' || job.phase === 'inspecting';
    const isNew = !previous && !this.ledger.get(job.id);
    if (early && (isNew || this.unwritten.has(job.id))) {
      this.unwritten.add(job.id);
      return true;
    }
    this.unwritten.delete(job.id);
    return false;
  }

  /** Progress is not worth a disk write: it is only announced. */
  progress(id: string, fraction: number): void {
    const job = this.live.get(id);
    if (job?.state !== 'uploading') return;
    const moved: EngineJob = { ...job, progress: fraction };
    this.live.set(id, moved);
    this.announce(moved);
  }

  /** Drops a live job from memory without a state change (its root stopped being watched). */
  forget(id: string): void {
    const job = this.live.get(id);
    if (!job) return;
    this.countOnItsWay(job, -1);
    if (isMoving(job)) this.moving--;
    this.live.delete(id);
    this.unwritten.delete(id);
    const key = pathKey(job.root, job.relPath);
    if (this.byPath.get(key) === id) this.byPath.delete(key);
  }

  counts(): Record<JobState, number> {
    return this.ledger.counts();
  }

  /** Jobs of this run that move on by themselves (not done, held, or waiting for their folder). */
  get inMotion(): number {
    return this.moving;
  }

  /** A failed file the batch for this target (by key) waits for, if any. */
  batchHolder(key: string): EngineJob | undefined {
    for (const id of this.holders.get(key) ?? []) {
      const job = this.get(id);
      if (job?.holdsBatch) return job;
    }
    return undefined;
  }

  /** The newest failure at this path that no later upload replaced yet. */
  failureAt(root: string, relPath: string): EngineJob | undefined {
    const id = this.failures.get(pathKey(root, relPath));
    const job = id ? this.get(id) : undefined;
    return job?.state === 'failed' && !job.replacedBy ? job : undefined;
  }

  private noteFailure(job: Job): void {
    const key = pathKey(job.root, job.relPath);
    if (job.state === 'failed' && !job.replacedBy) {
      this.failures.delete(key);
      this.failures.set(key, job.id);
      // The oldest go first: a failure from long ago is not worth the memory.
      if (this.failures.size > MAX_FAILURES_KEPT)
        this.failures.delete(this.failures.keys().next().value!);
    } else if (this.failures.get(key) === job.id) {
      this.failures.delete(key);
    }
  }

  private countHolder(job: Job): void {
    if (!job.target) return;
    const key = targetKey(job.target);
    const ids = this.holders.get(key);
    if (job.holdsBatch) {
      if (ids) ids.add(job.id);
      else this.holders.set(key, new Set([job.id]));
    } else if (ids?.delete(job.id) && ids.size === 0) {
      this.holders.delete(key);
    }
  }

  /** Jobs for this target (by key) that arrived but are not inspected yet. */
  arrivingFor(key: string): number {
    return this.arriving.get(key) ?? 0;
  }

  /**
   * Jobs for this target (by key) in the collecting phase, by id. One whose move there is not
   * yet durable (a full disk) is not in its window yet: the window must not close without it.
   */
  collectingFor(key: string): ReadonlySet<string> {
    return this.collecting.get(key) ?? NONE;
  }

  private countOnItsWay(job: EngineJob | undefined, sign: 1 | -1): void {
    if (!job?.target) return;
    const phase = job.phase ?? 'settling';
    const key = targetKey(job.target);
    if (phase === 'collecting') {
      const ids = this.collecting.get(key);
      if (sign > 0) {
        if (ids) ids.add(job.id);
        else this.collecting.set(key, new Set([job.id]));
      } else if (ids?.delete(job.id) && ids.size === 0) this.collecting.delete(key);
      return;
    }
    if (!BEFORE_READY.has(phase)) return;
    const n = (this.arriving.get(key) ?? 0) + sign;
    if (n > 0) this.arriving.set(key, n);
    else this.arriving.delete(key);
  }

  /** Uploads (not duplicates) finished since `since` (epoch ms). */
  uploadedSince(since: number): number {
    return this.ledger.uploadedSince(since);
  }
}

function isMoving(job: EngineJob): boolean {
  const phase = job.phase ?? 'settling';
  return phase !== 'done' && phase !== 'held' && phase !== 'unreachable';
}

/** A copy of a ledger record, so changes made to it (a Retry's, a migration's) do not reach the ledger. */
function snapshot(job: EngineJob): EngineJob {
  return {
    ...job,
    target: job.target ? { ...job.target } : null,
    error: job.error && { ...job.error },
  };
}
