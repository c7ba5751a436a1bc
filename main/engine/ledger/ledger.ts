import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createLogger } from '../log/logger.js';
import { targetKey } from '../routing/route.js';
import type { Job, JobState } from '../types.js';
import { JournalWriter, readJournal, rewriteJournal, toJournalLine } from './journal.js';
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
  private readonly jobs = new Map<string, Job>();
  /** root → relPath → id of the newest job there. Nested, not "root+relPath" keys: building
   * 100k concatenated keys at open cost more than reading the journal. */
  private readonly byPath = new Map<string, Map<string, string>>();
  /** sha256 → ids of jobs uploaded with that content (to any target; checked on lookup). */
  private readonly uploaded = new Map<string, string[]>();
  /** all() order, rebuilt lazily when a job is added or its createdAt changes. */
  private sorted: string[] | null = null;
  private closed = false;

  private constructor(
    /** The ledger folder. */
    readonly dir: string,
    private readonly writer: JournalWriter | null,
    private readonly lock: LedgerLock | null,
    /** How many records were read at open (for `status` and the 100k-record benchmark). */
    readonly stats: LedgerStats,
    snapshots: Iterable<Job>,
  ) {
    for (const job of snapshots) this.index(job);
  }

  /**
   * Opens the ledger in `dir` (the ledger folder, see ledgerDir), creating it.
   * Reads the journal, drops a torn last line, skips and counts corrupt lines
   * (keeping a copy of the file), then compacts atomically to one line per job.
   * Throws LedgerLockedError when another live process has it open.
   */
  static async open(dir: string, options: LedgerOptions = {}): Promise<Ledger> {
    const started = performance.now();
    await mkdir(dir, { recursive: true });
    const journal = join(dir, JOURNAL_FILE);
    const lock = options.readOnly ? null : await LedgerLock.acquire(join(dir, LOCK_FILE));
    try {
      const scan = await readJournal(journal);
      const latest = new Map<string, Job>();
      let skippedLines = scan.corruptLines;
      for (const record of scan.records) {
        if (isJob(record)) latest.set(record.id, record);
        else skippedLines++;
      }
      if (skippedLines > 0) {
        log.warn('skipped corrupt ledger lines', { skippedLines, journal });
      }
      if (scan.tornTail) log.info('dropped a torn last ledger line (an earlier crash)');

      const superseded = scan.records.length - latest.size;
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
      const stats: LedgerStats = {
        records: scan.records.length,
        skippedLines,
        jobs: latest.size,
        tornTail: scan.tornTail,
        compacted: compact,
        openMs: 0,
      };
      const ledger = new Ledger(dir, writer, lock, stats, latest.values());
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
    if (!previous || previous.createdAt !== job.createdAt) this.sorted = null;

    let paths = this.byPath.get(job.root);
    if (!paths) this.byPath.set(job.root, (paths = new Map()));
    const holder = this.jobs.get(paths.get(job.relPath) ?? '');
    if (!holder || holder.id === job.id || newestFirst(job, holder) <= 0) {
      paths.set(job.relPath, job.id);
    }
    if (previous && (previous.root !== job.root || previous.relPath !== job.relPath)) {
      const old = this.byPath.get(previous.root);
      if (old?.get(previous.relPath) === job.id) old.delete(previous.relPath);
    }

    if (previous?.state === 'uploaded' && previous.sha256) {
      const ids = this.uploaded.get(previous.sha256);
      if (ids && (job.state !== 'uploaded' || job.sha256 !== previous.sha256)) {
        const rest = ids.filter((id) => id !== job.id);
        if (rest.length) this.uploaded.set(previous.sha256, rest);
        else this.uploaded.delete(previous.sha256);
      }
    }
    if (job.state === 'uploaded' && job.sha256) {
      const ids = this.uploaded.get(job.sha256);
      if (!ids) this.uploaded.set(job.sha256, [job.id]);
      else if (!ids.includes(job.id)) ids.push(job.id);
    }
  }

  /** The latest snapshot of one job. Treat it as read-only. */
  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  /** Latest snapshot of every job, newest first (by createdAt, then id). */
  all(): Job[] {
    if (!this.sorted) this.sorted = [...this.jobs.values()].sort(newestFirst).map((j) => j.id);
    return this.sorted.map((id) => this.jobs.get(id) as Job);
  }

  /** Jobs in any of these states, newest first. */
  inStates(states: readonly JobState[]): Job[] {
    const wanted = new Set(states);
    return this.all().filter((job) => wanted.has(job.state));
  }

  /** An uploaded job (state 'uploaded') with this content hash for this target key (dedupe; survives restarts). */
  findUploaded(sha256: string, key: string): Job | undefined {
    for (const id of this.uploaded.get(sha256) ?? []) {
      const job = this.jobs.get(id);
      if (job?.state === 'uploaded' && job.target && targetKey(job.target) === key) return job;
    }
    return undefined;
  }

  /** The newest job for root+relPath (lets the engine skip a file it already finished when afterUpload is 'keep'). */
  findByPath(root: string, relPath: string): Job | undefined {
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
