import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createLogger } from '../log/logger.js';
import { targetKey } from '../routing/route.js';
import type { Job, JobState } from '../types.js';
import { JournalWriter, readJournal, rewriteJournal, syncDir, toJournalLine } from './journal.js';
import { LedgerLock } from './lock.js';

export { LedgerLockedError } from './lock.js';

/**
 * The durable record of every job (DESIGN §4): each state change is appended
 * to `jobs.jsonl` and fsynced before the engine acts on it, so a crash loses no
 * file and repeats at most the uploads in flight. In memory it keeps the
 * latest snapshot per job plus the indexes the engine asks for; no database.
 */

const log = createLogger('ledger');

/** The journal's file name inside the ledger folder. */
export const JOURNAL_FILE = 'jobs.jsonl';
/** The lock file that keeps a second process from writing the same ledger. */
export const LOCK_FILE = 'ledger.lock';

/** The ledger folder inside a data dir: `<dataDir>/ledger`. */
export function ledgerDir(dataDir: string): string {
  return join(dataDir, 'ledger');
}

export interface LedgerStats {
  /** Job snapshots read at open (lines in the journal, before compaction). */
  records: number;
  /** Corrupt lines skipped (not counting a torn last line). */
  skippedLines: number;
  /** Distinct jobs after open. */
  jobs: number;
  /** A torn last line (a crash mid-write) was dropped at open. */
  tornTail: boolean;
  /** The journal was rewritten at open. */
  compacted: boolean;
  /** Milliseconds the open took, compaction included. */
  openMs: number;
}

export interface LedgerOptions {
  /** Read the journal without locking or writing it: for `status` while the app runs. */
  readOnly?: boolean;
}

function isJob(value: unknown): value is Job {
  if (typeof value !== 'object' || value === null) return false;
  const job = value as Record<string, unknown>;
  return (
    typeof job.id === 'string' &&
    typeof job.state === 'string' &&
    typeof job.root === 'string' &&
    typeof job.relPath === 'string' &&
    typeof job.createdAt === 'number'
  );
}

/** Newest first: by createdAt, then id (ids made later sort later). */
function newestFirst(a: Job, b: Job): number {
  return b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

export class Ledger {
  /** id → latest snapshot. */
  private readonly jobs: Map<string, Job>;
  /** root → relPath → id of the newest job there. Nested, not "root+relPath" keys: building
   * 100k concatenated keys at open cost more than reading the journal. */
  private readonly byPath = new Map<string, Map<string, string>>();
  /** sha256 → id(s) of jobs uploaded with that content (to any target; checked on lookup).
   * Almost always one id: a Set only where the same content went to several targets. */
  private readonly uploaded = new Map<string, string | Set<string>>();
  /** Job ids oldest first (all() reads it backwards). A new job is usually the newest and is
   * appended; anything else drops it, to be sorted again on the next all(). */
  private oldestFirst: string[] | null = null;
  /** byPath and uploaded are built on first use: start-up only has to read the journal. */
  private indexed = false;
  private closed = false;

  private constructor(
    /** The ledger folder. */
    readonly dir: string,
    private readonly writer: JournalWriter | null,
    private readonly lock: LedgerLock | null,
    /** How many records were read at open (for `status` and the 100k-record benchmark). */
    readonly stats: LedgerStats,
    latest: Map<string, Job>,
  ) {
    // The journal's map becomes the index as it is, no copy.
    this.jobs = latest;
  }

  /** Builds the path and dedupe indexes from the latest snapshots, once. */
  private ensureIndexes(): void {
    if (this.indexed) return;
    this.indexed = true;
    for (const job of this.jobs.values()) {
      this.indexPath(job);
      if (job.state === 'uploaded' && job.sha256) this.addUploaded(job.sha256, job.id);
    }
  }

  /**
   * Opens the ledger in `dir` (the ledger folder, see ledgerDir), creating it.
   * Reads the journal, drops a torn last line, skips and counts corrupt lines
   * (keeping a copy of the file), then compacts atomically to one line per job.
   * Throws LedgerLockedError when another live process has it open.
   */
  static async open(dir: string, options: LedgerOptions = {}): Promise<Ledger> {
    const started = performance.now();
    // `status` reading a data dir that has no ledger yet should not create one.
    if (!options.readOnly) await mkdir(dir, { recursive: true });
    const journal = join(dir, JOURNAL_FILE);
    const lock = options.readOnly ? null : await LedgerLock.acquire(join(dir, LOCK_FILE));
    try {
      const latest = new Map<string, Job>();
      // Most jobs share a handful of roots: one string each instead of one per job keeps a big
      // ledger's heap (and the garbage collector's copying at start) smaller.
      const roots = new Map<string, string>();
      let notJobs = 0;
      const scan = await readJournal(journal, (record) => {
        if (!isJob(record)) {
          notJobs++;
          return;
        }
        const root = roots.get(record.root);
        if (root === undefined) roots.set(record.root, record.root);
        else record.root = root;
        latest.set(record.id, record);
      });
      const skippedLines = scan.corruptLines + notJobs;
      if (skippedLines > 0) {
        log.warn('skipped corrupt ledger lines', { skippedLines, journal });
      }
      if (scan.tornTail) log.info('dropped a torn last ledger line (an earlier crash)');

      const superseded = scan.records - latest.size;
      const compact = !options.readOnly && (superseded > 0 || skippedLines > 0 || scan.tornTail);
      if (compact) {
        if (skippedLines > 0) {
          // Never lose records in silence: keep the file as it was for whoever investigates.
          await copyFile(journal, `${journal}.corrupt-${Date.now()}`);
        }
        const lines = [...latest.values()].map(toJournalLine);
        const bytes = await rewriteJournal(journal, lines);
        log.info('compacted the ledger', { before: scan.bytes, after: bytes, jobs: latest.size });
      }
      const writer = options.readOnly ? null : await JournalWriter.open(journal);
      // A journal created just now must survive a power cut too: make its folder entry durable.
      if (writer && scan.bytes === 0 && !compact) await syncDir(dir);
      const stats: LedgerStats = {
        records: scan.records,
        skippedLines,
        jobs: latest.size,
        tornTail: scan.tornTail,
        compacted: compact,
        openMs: 0,
      };
      const ledger = new Ledger(dir, writer, lock, stats, latest);
      stats.openMs = Math.round(performance.now() - started);
      return ledger;
    } catch (error) {
      await lock?.release();
      throw error;
    }
  }

  /**
   * Appends the job snapshot and fsyncs BEFORE resolving: the engine awaits
   * this before acting. Concurrent puts share one write+fsync. The in-memory
   * index is updated at once, so get() sees the job before the write lands.
   */
  put(job: Job): Promise<void> {
    if (this.closed) return Promise.reject(new Error('The ledger is closed.'));
    if (!this.writer) return Promise.reject(new Error('The ledger was opened read-only.'));
    if (!isJob(job))
      return Promise.reject(
        new Error('Not a job: id, state, root, relPath and createdAt are required.'),
      );
    const line = toJournalLine(job);
    // Index a copy of what goes to disk, so a caller mutating its object later changes neither.
    this.index(JSON.parse(line) as Job);
    return this.writer.append(line);
  }

  private index(job: Job): void {
    const previous = this.jobs.get(job.id);
    this.jobs.set(job.id, job);
    if (!previous) this.appendToOrder(job);
    else if (previous.createdAt !== job.createdAt) this.oldestFirst = null;
    // Not built yet: ensureIndexes() will read this snapshot from the jobs map.
    if (!this.indexed) return;

    this.indexPath(job);
    if (previous && (previous.root !== job.root || previous.relPath !== job.relPath)) {
      const old = this.byPath.get(previous.root);
      if (old?.get(previous.relPath) === job.id) old.delete(previous.relPath);
    }

    if (previous?.state === 'uploaded' && previous.sha256) {
      if (job.state !== 'uploaded' || job.sha256 !== previous.sha256) {
        this.removeUploaded(previous.sha256, job.id);
      }
    }
    if (job.state === 'uploaded' && job.sha256) this.addUploaded(job.sha256, job.id);
  }

  private appendToOrder(job: Job): void {
    const order = this.oldestFirst;
    if (!order) return;
    const newest = order.length ? this.jobs.get(order[order.length - 1]) : undefined;
    if (!newest || newestFirst(job, newest) <= 0) order.push(job.id);
    else this.oldestFirst = null;
  }

  /** Points root+relPath at this job unless a newer job already holds that path. */
  private indexPath(job: Job): void {
    let paths = this.byPath.get(job.root);
    if (!paths) this.byPath.set(job.root, (paths = new Map()));
    const holderId = paths.get(job.relPath);
    const holder = holderId === undefined ? undefined : this.jobs.get(holderId);
    if (!holder || holder.id === job.id || newestFirst(job, holder) <= 0) {
      paths.set(job.relPath, job.id);
    }
  }

  private addUploaded(sha256: string, id: string): void {
    const ids = this.uploaded.get(sha256);
    if (ids === undefined || ids === id) this.uploaded.set(sha256, id);
    else if (typeof ids === 'string') this.uploaded.set(sha256, new Set([ids, id]));
    else ids.add(id);
  }

  private removeUploaded(sha256: string, id: string): void {
    const ids = this.uploaded.get(sha256);
    if (ids === id) this.uploaded.delete(sha256);
    else if (typeof ids === 'object') ids.delete(id);
  }

  /** The latest snapshot of one job. Treat it as read-only. */
  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  /** Latest snapshot of every job, newest first (by createdAt, then id). */
  all(): Job[] {
    this.oldestFirst ??= [...this.jobs.values()].sort((a, b) => newestFirst(b, a)).map((j) => j.id);
    const order = this.oldestFirst;
    const jobs = new Array<Job>(order.length);
    for (let i = 0; i < order.length; i++) jobs[i] = this.jobs.get(order[order.length - 1 - i])!;
    return jobs;
  }

  /** Latest snapshot of every job, in no set order: for a pass that needs no order (counts). */
  values(): IterableIterator<Job> {
    return this.jobs.values();
  }

  /** Jobs in any of these states, newest first. Only the matches are sorted, so asking for the
   * few unfinished jobs at start does not sort a long history. */
  inStates(states: readonly JobState[]): Job[] {
    const wanted = new Set(states);
    const jobs: Job[] = [];
    for (const job of this.jobs.values()) if (wanted.has(job.state)) jobs.push(job);
    return jobs.sort(newestFirst);
  }

  /** An uploaded job (state 'uploaded') with this content hash for this target key (dedupe; survives restarts). */
  findUploaded(sha256: string, key: string): Job | undefined {
    this.ensureIndexes();
    const ids = this.uploaded.get(sha256);
    for (const id of typeof ids === 'string' ? [ids] : (ids ?? [])) {
      const job = this.jobs.get(id);
      if (job?.state === 'uploaded' && job.target && targetKey(job.target) === key) return job;
    }
    return undefined;
  }

  /** The newest job for root+relPath (lets the engine skip a file it already finished when afterUpload is 'keep'). */
  findByPath(root: string, relPath: string): Job | undefined {
    this.ensureIndexes();
    return this.jobs.get(this.byPath.get(root)?.get(relPath) ?? '');
  }

  /** Disk flushes (write+fsync rounds) since open; concurrent puts share one. */
  get commits(): number {
    return this.writer?.commits ?? 0;
  }

  /** Waits for pending writes, closes the file and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.writer?.close();
    } finally {
      await this.lock?.release();
    }
  }
}
